from django.contrib import admin

from portal.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the history is written by the services, never edited by hand."""

    list_display = ["at", "actor_label", "verb", "object_type", "object_repr", "correlation_id"]
    list_filter = ["verb", "object_type"]
    search_fields = ["actor_label", "object_repr", "object_id", "correlation_id"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
