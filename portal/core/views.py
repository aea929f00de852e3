from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from portal.core.health import readiness


@never_cache
@require_safe
def healthz(request):
    """Liveness: the process answers. Never touches the database."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_safe
def readyz(request):
    """Readiness: the database and, when configured, the broker answer; 503 otherwise."""
    ready, report = readiness()
    report["status"] = "ready" if ready else "unavailable"
    return JsonResponse(report, status=200 if ready else 503)
