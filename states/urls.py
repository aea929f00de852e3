from django.urls import path

from states import views, views_contacts

app_name = "states"

urlpatterns = [
    path("states/", views.state_list, name="list"),
    path("states/<str:iso3>/", views.state_detail, name="detail"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/<str:code>/", views.organization_detail, name="organization"),
    path("states/<str:iso3>/contacts/", views_contacts.contact_list, name="contacts"),
    path("states/<str:iso3>/contacts/<int:pk>/edit/", views_contacts.contact_edit, name="contact_edit"),
    path("states/<str:iso3>/contacts/<int:pk>/delete/", views_contacts.contact_delete, name="contact_delete"),
    path("states/<str:iso3>/contacts/<int:pk>/confirm/", views_contacts.contact_confirm, name="contact_confirm"),
]
