"""Turnaround, measured from the timestamps stored at each transition: time to route (submitted to
routed), to claim (routed to claimed) and to deliver (claimed to delivered), and time to first
response (routed to a provider's first message to the State), with median and 90th percentile,
overall and by provider, area, region and regime. One query, then plain Python.

Names and labels (States, areas, providers, regional groups) are in the active language, so the cached
figures are kept per language; the groups' keys (slug, code, the group's English name) are the same in all.
"""

import statistics

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from assistance.models import AssistanceRequest
from portal.core.collation import sort_key, translated

R = AssistanceRequest.Status
# A request counts toward a treaty regime when it covers that treaty's weapon column; all count for 1540.
REGIME_COLUMNS = {"CWC": "CW", "NPT": "NW", "BWC": "BW"}
STAGES = {
    "time_to_route": ("submitted_at", "routed_at"),
    "time_to_claim": ("routed_at", "claimed_at"),
    "time_to_deliver": ("claimed_at", "delivered_at"),
    "time_to_first_response": ("routed_at", "first_response_at"),
}
# Versioned: figures cached before a stage was added lack its key. Followed by the language.
CACHE_KEY = "assistance:turnaround:all:v3"
WAITING_STATUSES = [R.SUBMITTED, R.ROUTED, R.UNMATCHED]
# The names the figures show, by the alias they are read under (in the active language).
TRANSLATED = {
    "state_name": "state__name",
    "region_name": "state__region__name",
    "area_label": "area__label",
    "provider_name": "claimed_by__name",
}


def _summary(hours: list[float]) -> dict:
    if not hours:
        return {"count": 0, "median_hours": None, "p90_hours": None}
    ordered = sorted(hours)
    p90 = ordered[0] if len(ordered) == 1 else statistics.quantiles(ordered, n=10, method="inclusive")[-1]
    return {"count": len(ordered), "median_hours": round(statistics.median(ordered), 2), "p90_hours": round(p90, 2)}


def _stages(rows) -> dict:
    result = {}
    for name, (start, end) in STAGES.items():
        result[name] = _summary(
            [(r[end] - r[start]).total_seconds() / 3600 for r in rows if r[start] is not None and r[end] is not None]
        )
    return result


def regimes_of(columns) -> list[str]:
    return ["1540", *[regime for regime, column in REGIME_COLUMNS.items() if column in columns]]


def turnaround(*, provider=None, area=None, region=None, regime=None, since=None, until=None) -> dict:
    """The figures for the requests submitted in [since, until] matching the filters (objects or None)."""
    queryset = AssistanceRequest.objects.filter(submitted_at__isnull=False)
    if provider is not None:
        queryset = queryset.filter(claimed_by=provider)
    if area is not None:
        queryset = queryset.filter(area=area)
    if region is not None:
        queryset = queryset.filter(state__region=region)
    if since is not None:
        queryset = queryset.filter(submitted_at__date__gte=since)
    if until is not None:
        queryset = queryset.filter(submitted_at__date__lte=until)
    rows = list(
        queryset.values(
            "id", "title", "status", "columns", "submitted_at", "routed_at", "claimed_at", "delivered_at",
            "first_response_at", "state__iso3", "state__region__name_en", "area__code", "claimed_by__slug",
            # Names in the active language (a related model's field would be read in English).
            **{alias: translated(path) for alias, path in TRANSLATED.items()},
        )
    )  # fmt: skip
    if regime is not None:
        rows = [r for r in rows if regime.code in regimes_of(r["columns"])]

    def grouped(key, label):
        groups = {}
        for r in rows:
            if r[key] is not None:
                groups.setdefault((r[key], r[label]), []).append(r)
        return [
            {"key": k, "label": lbl, "requests": len(g), **_stages(g)}
            for (k, lbl), g in sorted(groups.items(), key=lambda item: sort_key(item[0][1]))
        ]

    by_regime = {}
    for r in rows:
        for code in regimes_of(r["columns"]):
            by_regime.setdefault(code, []).append(r)
    now = timezone.now()
    waiting = sorted((r for r in rows if r["status"] in WAITING_STATUSES), key=lambda r: r["submitted_at"])[:10]
    counts = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return {
        "requests": len(rows),
        "by_status": counts,
        **_stages(rows),
        "by_provider": grouped("claimed_by__slug", "provider_name"),
        "by_area": grouped("area__code", "area_label"),
        "by_region": grouped("state__region__name_en", "region_name"),
        "by_regime": [{"key": k, "label": k, "requests": len(g), **_stages(g)} for k, g in sorted(by_regime.items())],
        "waiting_longest": [
            {
                "id": r["id"],
                "state": r["state__iso3"],
                "state_name": r["state_name"],
                "title": r["title"],
                "status": r["status"],
                "waiting_hours": round((now - r["submitted_at"]).total_seconds() / 3600, 1),
            }
            for r in waiting
        ],  # fmt: skip
    }


def cache_key(language=None) -> str:
    """The key of the unfiltered figures in `language` (the active one)."""
    return f"{CACHE_KEY}:{language or translation.get_language() or settings.LANGUAGE_CODE}"


def cached_figures() -> dict:
    """The unfiltered figures in the active language, refreshed by beat every few minutes (computed now
    if missing)."""
    figures = cache.get(cache_key())
    if figures is None:
        figures = _refresh(translation.get_language() or settings.LANGUAGE_CODE)
    return figures


def refresh_cached_figures() -> dict:
    """The unfiltered figures computed again in each language served (one query each); those of the
    active language are returned."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    figures = None
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            computed = _refresh(language)
        if language == current:
            figures = computed
    return figures if figures is not None else _refresh(current)


def _refresh(language) -> dict:
    figures = turnaround()
    cache.set(cache_key(language), figures, timeout=15 * 60)
    return figures
