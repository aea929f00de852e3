from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.accounts import services
from portal.accounts.forms import ProfileForm, ThrottledLoginForm, TokenForm


class LoginView(auth_views.LoginView):
    form_class = ThrottledLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", "locked_out"):
            response.status_code = 429
        return response


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
