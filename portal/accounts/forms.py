from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.services import MAX_TOKEN_DAYS
from portal.core.forms import PortalForm, PortalFormMixin


class TokenForm(PortalForm):
    name = forms.CharField(label=_("Name"), max_length=100, required=False, help_text=_("What the token is for."))
    read_only = forms.BooleanField(label=_("Read-only"), required=False, initial=True)
    expires_days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        initial=90,
        required=False,
        help_text=_("Leave empty for a token that does not expire."),
    )


class ProfileForm(PortalForm):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)


# Django's own account forms, rendered like every other form of the portal.
class LoginForm(PortalFormMixin, auth_forms.AuthenticationForm):
    pass


class PasswordChangeForm(PortalFormMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(PortalFormMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(PortalFormMixin, auth_forms.SetPasswordForm):
    pass
