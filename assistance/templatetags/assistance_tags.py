"""How an assistance request's status looks, the same on every page that shows it."""

from django import template

from assistance.models import AssistanceRequest
from portal.core.templatetags.portal_tags import status_badge

register = template.Library()
R = AssistanceRequest.Status

# One colour per status: waiting for the portal (info), waiting for people (warning), in hand
# (primary), done (success), over (dark), never sent or withdrawn (secondary, light).
TONES = {
    R.DRAFT: "secondary",
    R.SUBMITTED: "info",
    R.ROUTED: "info",
    R.UNMATCHED: "warning",
    R.CLAIMED: "primary",
    R.DELIVERED: "success",
    R.CLOSED: "dark",
    R.WITHDRAWN: "light",
}


@register.inclusion_tag("includes/status_badge.html")
def request_status(status, label=None):
    """`{% request_status obj.status %}`: the status badge of a request (label: the status's name)."""
    return status_badge(status, label, statuses=R, tones=TONES)


@register.filter
def reason_texts(reasons, area=None):
    """`{{ match.reasons|reason_texts:request.area }}`: a match's reasons in the reader's language (the
    request's area, when given, names the area without a query)."""
    from assistance.reasons import reason_texts as render

    return render(reasons, area=area)
