from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.accounts import services
from portal.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "role", "state", "provider", "is_active", "last_login"]
    list_filter = ["role", "is_active", "state__region"]
    list_select_related = ["state", "provider"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal role"), {"fields": ["role", "state", "provider", "language"]}),)
    autocomplete_fields = ["state"]
    actions = ["deactivate_and_revoke_tokens"]

    @admin.action(description=_("Deactivate and revoke all API tokens"), permissions=["change"])
    def deactivate_and_revoke_tokens(self, request, queryset):
        users = tokens = 0
        for user in queryset:
            try:
                tokens += services.deactivate_user(user, acting_user=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{user.username}: {' '.join(exc.messages)}", messages.ERROR)
                continue
            users += 1
        self.message_user(
            request,
            ngettext(
                "%(users)d user deactivated, %(tokens)d API tokens revoked.",
                "%(users)d users deactivated, %(tokens)d API tokens revoked.",
                users,
            )
            % {"users": users, "tokens": tokens},
            messages.SUCCESS,
        )


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
