"""Choosing providers for a request: who fits, how well, and why. Pure functions over loaded data."""

import statistics
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _


@dataclass
class Candidate:
    provider: object
    score: float = 0.0
    reasons: list = field(default_factory=list)


def max_matches(widen=False) -> int:
    count = settings.ASSISTANCE_MAX_MATCHES
    return count * 2 if widen else count


def score_providers(
    request, providers, *, region_id, area_ids, region_ids, open_load, claim_hours, widen=False
) -> list[Candidate]:
    """Score every provider for `request`; only those whose columns and area fit are kept.

    `area_ids` and `region_ids` are {provider_id: set of ids} of the areas it offers and the regions
    it serves; `open_load` is {provider_id: requests it leads now}; `claim_hours` {provider_id: [hours
    to claim]}. Widening (escalation) drops the area requirement: any provider covering the columns.
    """
    preferred = {p.pk for p in request.preferred_providers.all()}
    wanted_columns = set(request.columns)
    candidates = []
    for provider in providers:
        columns = wanted_columns & set(provider.columns)
        if not columns:
            continue
        area_fits = request.area_id in area_ids.get(provider.pk, ())
        if not area_fits and not widen:
            continue
        candidate = Candidate(provider)
        candidate.score += 10 * len(columns) / len(wanted_columns)
        candidate.reasons.append(_("covers %(cols)s") % {"cols": ", ".join(sorted(columns))})
        if area_fits:
            candidate.score += 10
            candidate.reasons.append(_("offers %(area)s") % {"area": request.area.label})
        else:
            candidate.reasons.append(_("wider search: area not in its profile"))
        if provider.serves_all_regions:
            candidate.score += 2
            candidate.reasons.append(_("works worldwide"))
        elif region_id in region_ids.get(provider.pk, ()):
            candidate.score += 4
            candidate.reasons.append(_("serves the State's region"))
        else:
            candidate.score -= 4
            candidate.reasons.append(_("does not list the State's region"))
        if request.language in provider.languages:
            candidate.score += 3
            candidate.reasons.append(_("works in %(lang)s") % {"lang": request.language})
        if provider.pk in preferred:
            candidate.score += 6
            candidate.reasons.append(_("preferred by the State"))
        load = open_load.get(provider.pk, 0)
        capacity = max(provider.capacity, 1)
        candidate.score += 4 * max(0.0, 1 - load / capacity)
        candidate.reasons.append(_("%(load)s of %(cap)s requests in hand") % {"load": load, "cap": capacity})
        hours = claim_hours.get(provider.pk)
        if hours:
            median = statistics.median(hours)
            candidate.score += 3 / (1 + median / 24)
            candidate.reasons.append(_("claims in %(h).0f h (median)") % {"h": median})
        candidate.score = round(candidate.score, 2)
        candidates.append(candidate)
    candidates.sort(key=lambda c: (-c.score, c.provider.name))
    return candidates[: max_matches(widen)]
