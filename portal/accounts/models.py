import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.i18n import UN_LANGUAGES


class Role(models.TextChoices):
    STATE_OFFICIAL = "state_official", _("State official")
    EXPERT = "expert", _("Committee expert")
    PROVIDER = "provider", _("Provider staff")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A person who logs in: a State official, a Committee expert, provider staff or an administrator."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    state = models.ForeignKey(
        "states.State",
        verbose_name=_("State"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officials",
    )
    provider = models.ForeignKey(
        "assistance.Provider",
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    # The interface language the user chose last (the switcher saves it); blank: none chosen.
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=[(code, _(name)) for code, name in UN_LANGUAGES]
    )

    class Meta:
        verbose_name = _("user")
        constraints = [
            # An official belongs to exactly one State, provider staff to one provider, nobody else to either.
            models.CheckConstraint(
                name="user_role_binding",
                condition=(
                    Q(role=Role.STATE_OFFICIAL, state__isnull=False, provider__isnull=True)
                    | Q(role=Role.PROVIDER, provider__isnull=False, state__isnull=True)
                    | (Q(role__in=[Role.EXPERT, Role.ADMIN, ""]) & Q(state__isnull=True, provider__isnull=True))
                ),
            ),
        ]

    @property
    def is_state_official(self):
        return self.role == Role.STATE_OFFICIAL

    @property
    def is_provider_staff(self):
        return self.role == Role.PROVIDER

    @property
    def is_portal_admin(self):
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def is_reviewer(self):
        """A Committee expert or an administrator: the one meaning of "expert" in access checks."""
        return self.role == Role.EXPERT or self.is_portal_admin

    def is_official_of(self, state_id) -> bool:
        return self.is_state_official and self.state_id == state_id


TOKEN_PREFIX = "p1540_"  # noqa: S105 - a public marker, not a secret


def hash_token(raw: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 digest is safe to store and fast to look up."""
    return hashlib.sha256(raw.encode()).hexdigest()


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its digest is stored; the token is shown once."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The first characters of the token, so that its owner can tell tokens apart.
    prefix = models.CharField(_("prefix"), max_length=16)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    read_only = models.BooleanField(_("read-only"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")

    def __str__(self):
        return f"{self.prefix}… ({self.user.username})"

    @property
    def is_usable(self):
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
