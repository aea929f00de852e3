import logging
import re
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from portal.audit.context import get_correlation_id, reset_correlation_id, set_correlation_id
from portal.core import errors
from portal.core.exceptions import DomainError
from portal.core.health import drop_broken_connections
from portal.core.i18n import is_served
from portal.core.text import has_forbidden_characters

logger = logging.getLogger(__name__)

# A caller may pass its own id (a proxy, a provider's client); anything odd is replaced.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class CorrelationIdMiddleware:
    """Binds one correlation id per request (from X-Request-ID when sane) and echoes it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        token = set_correlation_id(incoming if _VALID_REQUEST_ID.match(incoming) else None)
        try:
            request.correlation_id = get_correlation_id()
            response = self.get_response(request)
            response["X-Request-ID"] = request.correlation_id
            return response
        finally:
            reset_correlation_id(token)


class ContentSecurityPolicyMiddleware:
    """Sends the Content-Security-Policy: every script and style comes from the portal itself."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy)
        return response


class ControlCharactersMiddleware:
    """A path or query string with a control character (`%00`, `%1b`...) is refused before any view
    reads it: 404 for a path, 400 `invalid-parameter` for a query, JSON under /api/, a page elsewhere.
    No database can store such text, and no page or filter has a use for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_forbidden_characters(request.path):
            return errors.answer(request, 404, "not-found", _("There is no page at this address."))
        for name, values in request.GET.lists():
            if has_forbidden_characters(name) or any(has_forbidden_characters(value) for value in values):
                detail = _("The query parameter %(name)s contains a control character.") % {"name": name.strip()}
                return errors.answer(request, 400, "invalid-parameter", detail)
        return self.get_response(request)


# ---------------------------------------------------------------------------------------------
# Outages and contention

# Seconds a client is asked to wait before it tries again after a 503.
RETRY_AFTER_SECONDS = 5
# What the database driver raises when it cannot answer now: a lock still held after the busy
# timeout (SQLite), a server restarting, unreachable or gone away mid-request (PostgreSQL).
UNAVAILABLE = (OperationalError, InterfaceError)


def unavailable_response(request):
    """503 with Retry-After: JSON {"code": "database-unavailable", "detail"} under /api/, a page elsewhere."""
    detail = _("The database cannot answer for a moment. Please try again in a few seconds.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "database-unavailable", "detail": detail}, status=503)
    else:
        # Rendered without the template context processors: they may need the database (the user).
        response = HttpResponse(loader.render_to_string("503.html", {"detail": detail}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A database that cannot answer now is a 503 with Retry-After, never a 500.

    A view (API or page) raising OperationalError or InterfaceError is answered by `process_exception`.
    Raised by a middleware after this one (saving the session, say), it was answered as a 500
    already: `got_request_exception` marks the request and the 500 is replaced here. Either way the
    broken connection is closed, so the next request connects afresh. Any other 503 (`/readyz`)
    gets Retry-After too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            response = unavailable_response(request)
        if response.status_code == 503:
            response.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, UNAVAILABLE):
            return None
        logger.warning("Database unavailable: %s %s answered 503", request.method, request.path, exc_info=exception)
        drop_broken_connections()
        return unavailable_response(request)


def _note_database_unavailable(sender, request=None, **kwargs):
    """An exception answered as a 500 outside any view: note on the request if the database caused it."""
    if request is not None and isinstance(sys.exc_info()[1], UNAVAILABLE):
        request.database_unavailable = True
        drop_broken_connections()


got_request_exception.connect(_note_database_unavailable, dispatch_uid="portal-database-unavailable")


# ---------------------------------------------------------------------------------------------
# Caching


class PrivateResponsesMiddleware:
    """`Cache-Control: private, no-store` on every answer to a logged-in user or to a request with a
    token: no browser or proxy keeps a page or payload meant for one user (above all the page that
    shows a new token once). An answer that already forbids storing keeps its header, and answers to
    anonymous visitors keep theirs (public pages may be cached)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", "") and (
            "Authorization" in request.headers or _authenticated(request)
        ):
            response["Cache-Control"] = "private, no-store"
        return response


def _authenticated(request) -> bool:
    user = getattr(request, "user", None)
    try:
        return user is not None and user.is_authenticated
    except DatabaseError:
        return True  # the session could not be read: keep nothing, to be safe


class DomainErrorPagesMiddleware:
    """Pages answer the services' refusals in one place, as the API's exception handler does.

    A `DomainError` out of a page view becomes the error page with the error's status (404 for what
    the user may not see, 403, 409, 400 with the field errors). A view marked with
    `portal.core.pages.refusals_shown_on(url_name)` shows a refused POST (409, 400) as a message on
    that page instead, and keeps the user there. The API never gets here: DRF answers its errors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.refusals_shown_on = getattr(view_func, "refusals_shown_on", None)
        request.view_kwargs = view_kwargs

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        page = getattr(request, "refusals_shown_on", None)
        if page and request.method == "POST" and exception.status not in (403, 404):
            from django.contrib import messages
            from django.shortcuts import redirect

            messages.error(request, exception.message)
            return redirect(page, **request.view_kwargs)
        return errors.domain_error(request, exception)


# ---------------------------------------------------------------------------------------------
# Languages


class QueryLanguageMiddleware:
    """`?lang=xx` on any page: a served language wins for this request only (no cookie is written),
    so that a shared link or a search engine keeps its language; any other value is ignored.
    After LocaleMiddleware, which chose the language from the cookie or Accept-Language.

    When several languages are served, a page depends on the language cookie as well: `Vary: Cookie`
    keeps a shared cache from giving one visitor's language to another."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.GET.get("lang", "")
        if language and is_served(language):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if len(settings.LANGUAGES) > 1:
            patch_vary_headers(response, ("Cookie",))
        return response
