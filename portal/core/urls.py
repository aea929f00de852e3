from django.urls import path

from portal.core import views

# Included by portal/site/urls.py, which adds the home page under the same names (core:...).
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
