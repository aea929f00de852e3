"""Turnaround, measured from the timestamps stored at each transition: time to route (submitted to
routed), to claim (routed to claimed) and to deliver (claimed to delivered), and time to first
response (routed to a provider's first message to the State), with median and 90th percentile,
overall and by provider, area, region and regime. One query, then plain Python."""

import statistics

from django.core.cache import cache
from django.utils import timezone

from assistance.models import AssistanceRequest

R = AssistanceRequest.Status
# A request counts toward a treaty regime when it covers that treaty's weapon column; all count for 1540.
REGIME_COLUMNS = {"CWC": "CW", "NPT": "NW", "BWC": "BW"}
STAGES = {
    "time_to_route": ("submitted_at", "routed_at"),
    "time_to_claim": ("routed_at", "claimed_at"),
    "time_to_deliver": ("claimed_at", "delivered_at"),
    "time_to_first_response": ("routed_at", "first_response_at"),
}
# Versioned: figures cached before a stage was added lack its key.
CACHE_KEY = "assistance:turnaround:all:v2"
WAITING_STATUSES = [R.SUBMITTED, R.ROUTED, R.UNMATCHED]


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
            "first_response_at", "state__iso3", "state__name", "state__region__name", "area__code", "area__label",
            "claimed_by__slug", "claimed_by__name",
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
            for (k, lbl), g in sorted(groups.items(), key=lambda item: item[0][1])
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
        "by_provider": grouped("claimed_by__slug", "claimed_by__name"),
        "by_area": grouped("area__code", "area__label"),
        "by_region": grouped("state__region__name", "state__region__name"),
        "by_regime": [{"key": k, "label": k, "requests": len(g), **_stages(g)} for k, g in sorted(by_regime.items())],
        "waiting_longest": [
            {
                "id": r["id"],
                "state": r["state__iso3"],
                "state_name": r["state__name"],
                "title": r["title"],
                "status": r["status"],
                "waiting_hours": round((now - r["submitted_at"]).total_seconds() / 3600, 1),
            }
            for r in waiting
        ],  # fmt: skip
    }


def cached_figures() -> dict:
    """The unfiltered figures, refreshed by beat every few minutes (computed now if missing)."""
    figures = cache.get(CACHE_KEY)
    if figures is None:
        figures = refresh_cached_figures()
    return figures


def refresh_cached_figures() -> dict:
    figures = turnaround()
    cache.set(CACHE_KEY, figures, timeout=15 * 60)
    return figures
