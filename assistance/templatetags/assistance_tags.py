"""How an assistance request's status looks, the same on every page that shows it."""

from django import template

from assistance.models import AssistanceRequest

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
    return {"status": status, "label": label or R(status).label, "tone": TONES.get(status, "secondary")}
