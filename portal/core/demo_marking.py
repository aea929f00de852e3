"""Demo data that cannot be mistaken for real.

`seed_demo` records, once, that the database holds demo data (an audit event: "demo.seed", or
"demo.scale" for the benchmark data). From then on every page shows a banner (base.html, through
the `demo_data` context processor), every API response and every download carries
`X-Portal-Demo-Data: true` (the middleware below, matrices/exports.py) and every export says it in
its metadata.

Pages and API responses ask on every request, so the answer costs no query: Django's cache
(shared by the processes in production, set by `seed_demo` when it commits) answers; when the
cache has no answer, this process's own does, read from the database once: at the end of
`migrate` (which the creation of a test database runs too) or at the first request that asks. A
process serving with a cache of its own (`make run`) learns of a later `seed_demo` when restarted.
"""

import logging

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils.translation import gettext_lazy as _

from portal.audit.models import AuditEvent
from portal.audit.services import record

logger = logging.getLogger(__name__)

SEEDED = "demo.seed"
DEMO_VERBS = (SEEDED, "demo.scale")
CACHE_KEY = "core:demo-data"
HEADER = "X-Portal-Demo-Data"
API_PREFIX = "/api/"
NOTICE = _(
    "Demo data: the legislation, matrices, assistance requests, offers, conversations and logins on this portal "
    "are invented for trying it out. They are not information from or about any State."
)

_known = {"value": None}  # this process's answer, once read from the database


def present() -> bool:
    """Whether this database holds demo data, without a query (see above). Never raises: with the
    cache or the database out of reach, the answer is the last one known, or no."""
    try:
        value = cache.get(CACHE_KEY)
    except Exception:  # a cache outage must not take every page with it
        logger.warning("demo data flag: the cache is unreachable", exc_info=True)
        value = None
    if value is not None:
        return value
    if _known["value"] is None:
        try:
            refresh()
        except DatabaseError:
            logger.warning("demo data flag: the database is unreachable", exc_info=True)
            return False
    return _known["value"]


def refresh() -> bool:
    """Read the answer from the database (one query) and tell this process and the others."""
    value = AuditEvent.objects.filter(verb__in=DEMO_VERBS).exists()
    _known["value"] = value
    _announce(value)
    return value


def _announce(value: bool) -> None:
    try:
        cache.set(CACHE_KEY, value, timeout=None)
    except Exception:
        logger.warning("demo data flag: the cache is unreachable", exc_info=True)


def mark_seeded() -> None:
    """Record, once, that the database holds demo data; the other processes learn it when the
    transaction commits. Call inside the transaction that writes the first demo data."""
    if not AuditEvent.objects.filter(verb__in=DEMO_VERBS).exists():
        record(SEEDED, None, actor=None, object_type="demo")
    transaction.on_commit(lambda: _announce(True))


def refresh_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate (connected in portal/core/apps.py): read the answer before any request asks."""
    if using != "default":
        return
    try:
        refresh()
    except DatabaseError:  # a migration to an earlier state: the audit table may not be there
        _known["value"] = None


class DemoDataHeaderMiddleware:
    """`X-Portal-Demo-Data: true` on every API response while the database holds demo data (pages
    have the banner, downloads set it themselves; the health checks are left alone)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX) and present():
            response[HEADER] = "true"
        return response
