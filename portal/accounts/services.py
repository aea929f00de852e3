"""Creating users and API tokens: the only code that writes them, each write audited."""

from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import ApiToken, Role, User, generate_token, hash_token
from portal.audit.services import record, snapshot
from portal.core.i18n import is_served

USER_FIELDS = ["username", "email", "first_name", "last_name", "role", "state", "provider", "is_staff", "is_active"]
TOKEN_FIELDS = ["name", "prefix", "read_only", "expires_at", "revoked_at"]
MAX_TOKEN_DAYS = 3650


def resolve_binding(role: str, *, state_code: str | None = None, provider_slug: str | None = None):
    """The State or provider a role is bound to, from the codes an operator types."""
    if role not in Role.values:
        raise ValidationError(
            _("Unknown role %(role)s; choose one of %(roles)s.") % {"role": role, "roles": ", ".join(Role.values)}
        )
    # The models a user is bound to, read from the user's fields: accounts imports no domain app.
    State = User._meta.get_field("state").related_model
    Provider = User._meta.get_field("provider").related_model
    state = provider = None
    if role == Role.STATE_OFFICIAL:
        if not state_code:
            raise ValidationError(_("A State official needs --state ISO3."))
        state = State.objects.filter(iso3=state_code.upper()).first()
        if state is None:
            raise ValidationError(_("No UN Member State has the ISO code %(code)s.") % {"code": state_code})
    elif state_code:
        raise ValidationError(_("Only State officials belong to a State."))
    if role == Role.PROVIDER:
        if not provider_slug:
            raise ValidationError(_("Provider staff need --provider SLUG."))
        provider = Provider.objects.filter(slug=provider_slug).first()
        if provider is None:
            raise ValidationError(_("No provider has the slug %(slug)s.") % {"slug": provider_slug})
    elif provider_slug:
        raise ValidationError(_("Only provider staff belong to a provider."))
    return state, provider


@transaction.atomic
def create_portal_user(
    username: str, *, role: str, password: str, state=None, provider=None, email: str = "", acting_user=None
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("A user named %(username)s already exists.") % {"username": username})
    user = User(username=username, email=email, role=role, state=state, provider=provider)
    user.is_staff = user.is_superuser = role == Role.ADMIN
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    record("user.create", user, actor=acting_user, after=snapshot(user, USER_FIELDS))
    return user


@transaction.atomic
def issue_token(
    user: User, *, read_only: bool = False, expires_days: int | None = None, name: str = "", acting_user=None
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the stored token and the raw value, which is never stored."""
    if expires_days is not None and not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise ValidationError(_("A token expires after 1 to %(max)s days.") % {"max": MAX_TOKEN_DAYS})
    raw = generate_token()
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw[:12],
        digest=hash_token(raw),
        read_only=read_only,
        expires_at=timezone.now() + timedelta(days=expires_days) if expires_days else None,
    )
    record("token.create", token, actor=acting_user, after=snapshot(token, TOKEN_FIELDS))
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, *, acting_user) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        before = snapshot(token, TOKEN_FIELDS)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record("token.revoke", token, actor=acting_user, before=before, after=snapshot(token, TOKEN_FIELDS))
    return token


PROFILE_FIELDS = ["first_name", "last_name", "email"]


@transaction.atomic
def update_profile(user: User, *, acting_user, **changes) -> User:
    """Change a user's own name and e-mail address."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    before = snapshot(user, PROFILE_FIELDS)
    changes = {name: value for name, value in changes.items() if getattr(user, name) != value}
    if not changes:
        # Nothing to write: no audit event, and never a save of every column from a stale instance.
        return user
    for name, value in changes.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(changes))
    record("user.update", user, actor=acting_user, before=before, after=snapshot(user, PROFILE_FIELDS))
    return user


@transaction.atomic
def set_language(user: User, language: str, *, acting_user) -> User:
    """Save the interface language a user chose (a served one, or blank); audited when it changes."""
    if language and not is_served(language):
        raise ValidationError(_("The portal does not offer the language %(code)s.") % {"code": language})
    if user.language == language:
        return user
    before = snapshot(user, ["language"])
    user.language = language
    user.save(update_fields=["language"])
    record("user.update", user, actor=acting_user, before=before, after=snapshot(user, ["language"]))
    return user


def record_password_change(user: User, *, acting_user, reset: bool = False) -> None:
    """Audit a password change (never the password). After a reset by e-mail, the username's
    failed logins are forgotten: whoever reset it has proved they hold the address."""
    if reset:
        from axes.models import AccessAttempt

        AccessAttempt.objects.filter(username=user.get_username().lower()).delete()
    record("user.password_reset" if reset else "user.password_change", user, actor=acting_user)


@transaction.atomic
def deactivate_user(user: User, *, acting_user) -> int:
    """Deactivate a user and revoke all their API tokens in one transaction; returns how many
    tokens were revoked. Their sessions end with it: an inactive user is no longer authenticated
    on their next request, and can neither log in nor reset the password."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if acting_user is not None and acting_user.pk == user.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    if user.is_active:
        before = snapshot(user, ["is_active"])
        user.is_active = False
        user.save(update_fields=["is_active"])
        record("user.deactivate", user, actor=acting_user, before=before, after=snapshot(user, ["is_active"]))
    tokens = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    revoked = 0
    for token in tokens:
        revoke_token(token, acting_user=acting_user)
        revoked += 1
    return revoked
