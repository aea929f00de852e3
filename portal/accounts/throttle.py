"""Login throttling on django-axes, with the count taken before the password is checked.

django-axes does the plumbing: its authentication backend runs before every `authenticate()` (the
portal's login page and the admin's alike), it keeps the attempts in its `AccessAttempt` table
(visible and deletable in the admin, `manage.py axes_reset_username`), logs successful logins and
turns a refusal into the lockout page. This handler replaces how it counts, for two reasons:

- axes checks the count, checks the password, then counts the failure: parallel guesses all pass
  the check before any is counted. Here an attempt first adds itself to the count (one UPDATE,
  committed), then reads the totals; a successful login takes its attempt back.
- axes' limits are per address or per username. The portal's are per username *and* address,
  so that one address's failures never lock out a username that has not failed from it:

  * a username gets `LOGIN_FAILURE_LIMIT` failures from one address;
  * a username gets `USERNAME_FACTOR` times that from all addresses together (a guess spread over
    many addresses), which one address alone can never reach;
  * once an address has failed `ADDRESS_FACTOR` times that (any usernames), it gets only one try
    per username (spraying one password over many usernames), other usernames still log in.

Every count covers the failures of the last `LOGIN_LOCKOUT_SECONDS`; a successful login clears
that username's failures from that address only, never another username's, never the address's.
"""

import hashlib
import ipaddress
import logging
from contextlib import contextmanager
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_query_str
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db import IntegrityError, router, transaction
from django.db.models import F, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

# From all addresses together, a username gets this many times LOGIN_FAILURE_LIMIT.
USERNAME_FACTOR = 4
# After this many times LOGIN_FAILURE_LIMIT failures, an address gets one try per username.
ADDRESS_FACTOR = 4


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind the reverse proxy the address it appended.

    Only with `PORTAL_BEHIND_PROXY=1` is X-Forwarded-For read, and then only the entry the trusted
    proxies appended (the right-most `LOGIN_PROXY_COUNT` entries; what the client sent itself is
    to their left and ignored). Anything that is not an address falls back to REMOTE_ADDR.
    """
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if not settings.LOGIN_TRUST_FORWARDED_FOR:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    count = max(1, settings.LOGIN_PROXY_COUNT)
    if len(forwarded) < count or not forwarded[-count]:
        return remote
    return _address(forwarded[-count]) or remote


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def username_key(request, credentials) -> str | None:
    """Usernames are matched whatever their case (AXES_USERNAME_CALLABLE)."""
    username = credentials.get("username") if credentials else getattr(request, "POST", {}).get("username")
    if username is None:
        return None
    return str(username).strip().lower()[:255]


def cool_off(request=None) -> timedelta:
    return timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def lockout_message() -> str:
    minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
    return _("Too many failed attempts. Wait %(minutes)s minutes and try again.") % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """The page a refused login gets (AXES_LOCKOUT_CALLABLE): 429 in the portal's own layout."""
    response = render(request, "accounts/locked_out.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = str(settings.LOGIN_LOCKOUT_SECONDS)
    return response


class LoginThrottle(AxesDatabaseHandler):
    """The AXES_HANDLER: counts an attempt before its password is checked (see the module)."""

    def is_allowed(self, request, credentials=None) -> bool:
        """Called by the axes backend before any other backend checks the password."""
        if self.is_blacklisted(request, credentials):
            request.portal_login_refused = True
            return False
        if self.is_whitelisted(request, credentials):
            return True
        username = get_client_username(request, credentials)
        if not username:
            return True  # no backend authenticates without a username
        self.clean_expired_user_attempts(request, credentials)
        with self._one_at_a_time(username):
            if self._over_limits(request, username, counting_this_attempt=False):
                request.portal_login_refused = True
                return False
            self._count(request, username, +1)
        if self._over_limits(request, username, counting_this_attempt=True):
            # Parallel attempts for other usernames from this address took its last tries: give it back.
            self._count(request, username, -1)
            request.portal_login_refused = True
            return False
        return True

    @contextmanager
    def _one_at_a_time(self, username: str):
        """Attempts for one username decide and count one after the other, so that parallel guesses
        get exactly the limit checked: never more, and never fewer because each counted the others
        and gave its try back. PostgreSQL: a lock on the username for the transaction; SQLite takes
        its write lock when the transaction begins (IMMEDIATE), which serialises them too."""
        using = router.db_for_write(AccessAttempt)
        with transaction.atomic(using=using):
            connection = transaction.get_connection(using)
            if connection.vendor == "postgresql":
                key = int.from_bytes(hashlib.blake2b(username.encode(), digest_size=8).digest(), "big", signed=True)
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
            yield

    def is_locked(self, request, credentials=None) -> bool:
        username = get_client_username(request, credentials)
        return bool(username) and self._over_limits(request, username, counting_this_attempt=False)

    def get_failures(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        return self._pair_failures(request, username) if username else 0

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        """The failure was counted before the password was checked; only a refusal is flagged."""
        if request is None:
            log.error("Login throttling needs the request; authenticate() was called without it.")
            return
        if getattr(request, "portal_login_refused", False):
            username = get_client_username(request, credentials)
            log.warning("Login refused from %s: too many failed attempts.", request.axes_ip_address)
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send("axes", request=request, username=username, ip_address=request.axes_ip_address)

    def user_logged_in(self, sender, request, user, **kwargs):
        """Log the login (axes' AccessLog) and clear this username's failures from this address."""
        super().user_logged_in(sender, request, user, **kwargs)
        username = get_client_username(request, {"username": user.get_username()})
        AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()

    # Counting

    def _count(self, request, username: str, delta: int) -> None:
        """Add `delta` to this username's count from this address, committed before returning."""
        now = timezone.now()
        rows = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address, user_agent=request.axes_user_agent
        )
        changes = {"failures_since_start": F("failures_since_start") + delta}
        if delta > 0:
            changes.update(attempt_time=now, path_info=request.axes_path_info, http_accept=request.axes_http_accept)
        using = router.db_for_write(AccessAttempt)
        with transaction.atomic(using=using):
            if rows.update(**changes) or delta < 0:
                return
            try:
                with transaction.atomic(using=using):
                    AccessAttempt.objects.create(
                        username=username,
                        ip_address=request.axes_ip_address,
                        user_agent=request.axes_user_agent,
                        get_data=get_query_str(request.GET).replace("\0", "0x00"),
                        post_data=get_query_str(request.POST).replace("\0", "0x00"),
                        http_accept=request.axes_http_accept,
                        path_info=request.axes_path_info,
                        failures_since_start=1,
                        attempt_time=now,
                    )
            except IntegrityError:  # created by a parallel attempt in the meantime
                rows.update(**changes)

    def _recent(self, request):
        return AccessAttempt.objects.filter(attempt_time__gte=request.axes_attempt_time - cool_off(request))

    @staticmethod
    def _sum(queryset) -> int:
        return queryset.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def _pair_failures(self, request, username: str) -> int:
        return self._sum(self._recent(request).filter(username=username, ip_address=request.axes_ip_address))

    def _over_limits(self, request, username: str, *, counting_this_attempt: bool) -> bool:
        """Whether this attempt is refused. Before counting it, the limits are those of the tries
        already made (`>=`); once it is counted, it is refused only beyond them (`>`)."""
        limit = settings.LOGIN_FAILURE_LIMIT
        recent = self._recent(request)
        pair = self._pair_failures(request, username)
        from_address = self._sum(recent.filter(ip_address=request.axes_ip_address))
        for_username = self._sum(recent.filter(username=username))
        pair_limit = limit
        if from_address - (1 if counting_this_attempt else 0) >= limit * ADDRESS_FACTOR:
            pair_limit = 1
        checks = [(pair, pair_limit), (for_username, limit * USERNAME_FACTOR)]
        if counting_this_attempt:
            return any(count > allowed for count, allowed in checks)
        return any(count >= allowed for count, allowed in checks)
