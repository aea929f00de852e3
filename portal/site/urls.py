from django.urls import path

from portal.core import urls as core_urls
from portal.site import views

# The pages keep the names they always had: core:home, core:healthz, core:readyz.
app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    *core_urls.urlpatterns,
]
