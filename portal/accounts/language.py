"""Choosing the interface language: Django's `set_language`, which also saves a logged-in user's choice.

Same address and contract as Django's view (POST to /i18n/setlang/ with `language` and `next`; the
`django_language` cookie; a redirect to `next`), so the switcher works with or without JavaScript.
A language the portal does not serve is ignored: no cookie, no change, back to `next`.
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate
from django.views import i18n
from django.views.decorators.http import require_POST

from portal.accounts import services
from portal.core.i18n import is_served


@require_POST
def set_language(request):
    language = request.POST.get("language", "")
    if not is_served(language):
        return HttpResponseRedirect(_safe_next(request))
    response = i18n.set_language(request)
    if request.user.is_authenticated:
        services.set_language(request.user, language, acting_user=request.user)
    return response


def _safe_next(request):
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if allowed else "/"


def remember_on_login(request, response):
    """After a login: the user's saved language (if served) becomes the page's and the cookie's."""
    language = getattr(request.user, "language", "")
    if not is_served(language):
        return response
    activate(language)
    request.LANGUAGE_CODE = language
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
