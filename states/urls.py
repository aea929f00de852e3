from django.urls import path

from states import views

app_name = "states"

urlpatterns = [
    path("states/", views.state_list, name="list"),
    path("states/<str:iso3>/", views.state_detail, name="detail"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/<str:code>/", views.organization_detail, name="organization"),
]
