"""Finding action plans by text: the API's `search` filter and the site search (`/search/`), which
lists the published plans matching the text above the matrices' cells (matrices/search_sources.py)."""

from django.db.models import Q
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from plans.models import Plan

SNIPPET_WORDS = 40


def text_matches(text: str) -> Q:
    """A plan whose title, summary, document name, or one of whose items' measure or lead agency contains
    `text` (any case). Joins the items: use with `.distinct()`."""
    return (
        Q(title__icontains=text)
        | Q(summary__icontains=text)
        | Q(document_name__icontains=text)
        | Q(items__measure__icontains=text)
        | Q(items__lead_agency__icontains=text)
    )


def published_plans(text, state=None, region=None, limit=10) -> list[dict]:
    """The published plan versions matching `text` (of a State, ISO code, or a UN regional group, name, if
    given), newest first, at most `limit`: never a draft or a version shared with the Committee. One
    query."""
    text = (text or "").strip()
    if not text:
        return []
    plans = Plan.objects.published().filter(pk__in=Plan.objects.published().filter(text_matches(text)).values("pk"))
    if state:
        plans = plans.filter(state__iso3=state)
    if region:
        plans = plans.filter(state__region__name=region)
    plans = plans.select_related("state").order_by("state__name", "-version")[:limit]
    return [
        {
            "title": plan.title
            or _("%(state)s action plan, version %(version)s") % {"state": plan.state.name, "version": plan.version},
            "url": plan.get_absolute_url(),
            "state": plan.state.name,
            "snippet": Truncator(plan.summary).words(SNIPPET_WORDS),
            # The language the plan is written in (its title, when it has one, and its summary).
            "language": plan.language,
            "title_language": plan.language if plan.title else "",
        }
        for plan in plans
    ]
