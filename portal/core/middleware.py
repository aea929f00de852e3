import re

from django.conf import settings

from portal.audit.context import get_correlation_id, reset_correlation_id, set_correlation_id

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
