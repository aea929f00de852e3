from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS

from portal.accounts.models import ApiToken, hash_token

# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; the token is looked up by its digest.

    A read-only token is refused here for any unsafe method, before any view runs, so that no
    endpoint can forget the rule.
    """

    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as 'Authorization: Bearer <token>'."), code="invalid-token"
            )
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid."), code="invalid-token") from None
        token = (
            ApiToken.objects.usable()
            .select_related("user", "user__state", "user__provider")
            .filter(digest=hash_token(raw))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("The token is not valid: unknown, expired or revoked."), code="invalid-token"
            )
        if token.read_only and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied(_("This token is read-only."), code="read-only-token")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
