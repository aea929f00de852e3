from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.accounts import throttle
from portal.accounts.services import MAX_TOKEN_DAYS


class ThrottledLoginForm(AuthenticationForm):
    """The login form, refusing for a while after too many failed attempts."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": _("Too many failed attempts. Wait %(minutes)s minutes and try again."),
    }

    def clean(self):
        from django.conf import settings

        username = self.data.get("username", "")
        address = throttle.client_address(self.request)
        if throttle.is_locked_out(username, address):
            raise ValidationError(
                self.error_messages["locked_out"],
                code="locked_out",
                params={"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.note_failure(username, address)
            raise
        throttle.clear_failures(username, address)
        return cleaned


class TokenForm(forms.Form):
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


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
