from django.urls import path

from portal.core import urls as core_urls
from portal.site import views

# The pages keep the names they always had: core:home, core:healthz, core:readyz; core:my_work is
# where a user lands after logging in (LOGIN_REDIRECT_URL).
app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("my-work/", views.my_work, name="my_work"),
    path("favicon.ico", views.favicon, name="favicon"),
    *core_urls.urlpatterns,
]
