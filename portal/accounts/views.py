from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.accounts import forms, language, services
from portal.accounts.forms import ProfileForm, TokenForm


class LoginView(auth_views.LoginView):
    """Django's login; the throttling runs in the authentication backends (portal/accounts/throttle.py)."""

    template_name = "accounts/login.html"
    form_class = forms.LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        # The user's saved interface language comes back with them (cookie and this response).
        return language.remember_on_login(self.request, super().form_valid(form))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password; the session stays logged in, the other sessions end."""

    template_name = "registration/password_change.html"
    form_class = forms.PasswordChangeForm
    success_url = reverse_lazy("accounts:profile")

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)  # saves the password and keeps this session
        services.record_password_change(form.user, acting_user=self.request.user)
        messages.success(self.request, _("Your password was changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Sends a reset link if the address belongs to an active user; says the same either way."""

    template_name = "registration/password_reset.html"
    form_class = forms.PasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the e-mail: valid for PASSWORD_RESET_TIMEOUT and used once."""

    template_name = "registration/password_reset_confirm.html"
    form_class = forms.SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_password_change(form.user, acting_user=None, reset=True)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


def _profile_page(request, *, token_form=None, profile_form=None, new_token=None, status=200):
    user = request.user
    context = {
        "tokens": user.api_tokens.all(),
        "token_form": token_form or TokenForm(),
        "profile_form": profile_form
        or ProfileForm(initial={"first_name": user.first_name, "last_name": user.last_name, "email": user.email}),
        "new_token": new_token,
    }
    return render(request, "accounts/profile.html", context, status=status)


@login_required
def profile(request):
    """The user's own page: role, binding, profile and API tokens."""
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            services.update_profile(request.user, acting_user=request.user, **form.cleaned_data)
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile")
        return _profile_page(request, profile_form=form, status=400)
    return _profile_page(request)


@login_required
@require_POST
def create_token(request):
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, token_form=form, status=400)
    try:
        _token, raw = services.issue_token(
            request.user,
            read_only=form.cleaned_data["read_only"],
            expires_days=form.cleaned_data["expires_days"],
            name=form.cleaned_data["name"],
            acting_user=request.user,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _profile_page(request, token_form=form, status=400)
    # Shown in this response only: it is stored hashed and cannot be shown again.
    return _profile_page(request, new_token=raw)


@login_required
@require_POST
def revoke_token(request, pk):
    token = get_object_or_404(request.user.api_tokens, pk=pk)
    services.revoke_token(token, acting_user=request.user)
    messages.success(request, _("The token %(prefix)s… was revoked.") % {"prefix": token.prefix})
    return redirect("accounts:profile")
