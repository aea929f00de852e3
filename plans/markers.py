"""The cells of a State's published matrices that a measure of its latest published action plan covers:
marked on the matrix's public page (matrices/annotations.py). Drafts and versions shared with the
Committee never mark a cell."""

from django.db.models import Subquery
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from plans.models import Plan, PlanItem

MEASURE_WORDS = 25


def _latest_published(state_filter):
    return Plan.objects.published().filter(**state_filter).order_by("-version")


def cache_token(iso3: str) -> str:
    """The State's latest published plan version and its publication time: a new published version, or
    a withdrawn one, changes it. One query."""
    latest = _latest_published({"state__iso3": iso3}).values_list("pk", "published_at").first()
    if latest is None:
        return "plan:none"
    pk, published_at = latest
    return f"plan:{pk}:{published_at.timestamp() if published_at else 'none'}"


def cell_annotations(matrix) -> dict:
    """{(row, column, aspect): [{"label", "text"}]} for the cells the measures of the State's latest
    published plan cover. One query."""
    latest = _latest_published({"state_id": matrix.state_id}).values("pk")[:1]
    items = PlanItem.objects.filter(plan_id=Subquery(latest)).only("measure", "cells", "status").order_by("order", "id")
    notes = {}
    for item in items:
        text = _("In the action plan: %(measure)s, %(status)s") % {
            "measure": Truncator(item.measure).words(MEASURE_WORDS),
            "status": item.get_status_display(),
        }
        for cell in item.cells or []:
            try:
                key = (cell["row"], cell["column"], cell["aspect"])
            except (KeyError, TypeError):
                continue
            notes.setdefault(key, []).append({"label": _("plan"), "text": text})
    return notes
