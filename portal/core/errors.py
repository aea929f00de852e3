"""Error pages: JSON {"code", "detail"} under /api/, the portal's own pages elsewhere."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def answer(request, status, code, detail):
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "detail": detail}, status=status)
    return render(request, "error.html", {"status": status, "detail": detail}, status=status)


def bad_request(request, exception=None):
    return answer(request, 400, "bad-request", _("The request could not be understood."))


def permission_denied(request, exception=None):
    return answer(request, 403, "permission-denied", _("You may not see this page."))


def page_not_found(request, exception=None):
    return answer(request, 404, "not-found", _("There is no page at this address."))


def server_error(request):
    # No template context processors here: the failure may be in one of them.
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server-error", "detail": "Something went wrong on our side."}, status=500)
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request, template_name="500.html")
