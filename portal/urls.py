from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.accounts.language import set_language

admin.site.site_header = _("1540 Portal administration")
admin.site.site_title = _("1540 Portal")

urlpatterns = [
    path("", include("portal.site.urls")),
    path("", include("states.urls")),
    path("", include("matrices.urls")),
    path("", include("plans.urls")),
    path("assistance/", include("assistance.urls")),
    path("accounts/", include("portal.accounts.urls")),
    # Django's set_language, which also saves a logged-in user's choice (same path and POST contract).
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("portal.api_urls", "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "portal.core.errors.bad_request"
handler403 = "portal.core.errors.permission_denied"
handler404 = "portal.core.errors.page_not_found"
handler500 = "portal.core.errors.server_error"
