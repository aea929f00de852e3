"""Error answers, one way for the whole portal: JSON `{"code", "detail"}` under /api/, the error page elsewhere.

Pages never build an error page themselves. A view raises: the services' `DomainError`s (and
`Http404`, `PermissionDenied`) reach `DomainErrorPagesMiddleware` or Django's handlers below, which
render `error.html` with the error's status, message, code and field errors (docs/architecture.md,
"Errors").
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.exceptions import DomainError, InvalidInput

TITLES = {
    400: gettext_lazy("Not valid"),
    403: gettext_lazy("Not allowed"),
    404: gettext_lazy("Page not found"),
    409: gettext_lazy("This cannot be done now"),
}


def _back_url(request):
    """The page the user came from, when it is one of ours and not this one: the link back."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return None if referer == request.build_absolute_uri() else referer


def _field_errors(errors) -> list[tuple[str, str]]:
    """`{"field": ["message", ...]}` as (field, message) pairs; nested errors (per list item) flattened."""
    if not isinstance(errors, dict):
        return []
    pairs = []
    for field, problems in errors.items():
        if isinstance(problems, dict):
            pairs += [(f"{field}.{inner}" if field else inner, message) for inner, message in _field_errors(problems)]
        elif isinstance(problems, list | tuple):
            pairs += [(field, str(message)) for message in problems]
    return pairs


def answer(request, status, code, detail, errors=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "detail": detail}, status=status)
    context = {
        "status": status,
        "title": TITLES.get(status, TITLES[400] if status < 500 else ""),
        "code": code,
        "detail": detail,
        "errors": _field_errors(errors),
        "back_url": _back_url(request),
    }
    return render(request, "error.html", context, status=status)


def domain_error(request, exc: DomainError):
    """The page for an action the domain refused: its status, message, code and field errors."""
    return answer(request, exc.status, exc.code, exc.message, exc.errors if isinstance(exc, InvalidInput) else None)


def _message(exception, default):
    """The reason a view gave (`PermissionDenied("Only ...")`), or the default."""
    if exception is not None and exception.args and isinstance(exception.args[0], str) and exception.args[0]:
        return exception.args[0]
    return default


def bad_request(request, exception=None):
    return answer(request, 400, "bad-request", _("The request could not be understood."))


def permission_denied(request, exception=None):
    return answer(request, 403, "permission-denied", _message(exception, _("You may not see this page.")))


def page_not_found(request, exception=None):
    # Not Http404's text: get_object_or_404 writes the model's name. Views that have more to say
    # raise NotFound("...") instead (DomainErrorPagesMiddleware).
    return answer(request, 404, "not-found", _("There is no page at this address."))


def server_error(request):
    # No template context processors here: the failure may be in one of them.
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server-error", "detail": "Something went wrong on our side."}, status=500)
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request, template_name="500.html")
