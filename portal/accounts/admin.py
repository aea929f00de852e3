from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "role", "state", "provider", "is_active", "last_login"]
    list_filter = ["role", "is_active", "state__region"]
    list_select_related = ["state", "provider"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal role"), {"fields": ["role", "state", "provider"]}),)
    autocomplete_fields = ["state"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by their owners or by `create_api_token`; here they can only be read."""

    list_display = ["prefix", "user", "name", "read_only", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["read_only"]
    list_select_related = ["user"]
    search_fields = ["prefix", "user__username", "name"]
    readonly_fields = ["user", "name", "prefix", "read_only", "created_at", "expires_at", "revoked_at", "last_used_at"]
    exclude = ["digest"]

    def has_add_permission(self, request):
        return False
