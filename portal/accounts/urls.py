from django.contrib.auth import views as auth_views
from django.urls import path

from portal.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("tokens/", views.create_token, name="create_token"),
    path("tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
]
