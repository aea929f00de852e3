from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

admin.site.site_header = _("1540 Portal administration")
admin.site.site_title = _("1540 Portal")

urlpatterns = [
    path("", include("portal.site.urls")),
    path("", include("states.urls")),
    path("", include("matrices.urls")),
    path("", include("plans.urls")),
    path("assistance/", include("assistance.urls")),
    path("accounts/", include("portal.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("portal.api_urls", "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "portal.core.errors.bad_request"
handler403 = "portal.core.errors.permission_denied"
handler404 = "portal.core.errors.page_not_found"
handler500 = "portal.core.errors.server_error"
