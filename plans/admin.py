"""Action plans in the Django admin: to look, never to change (plans change through the portal's
pages and API, which check who may and record every change)."""

from django.contrib import admin

from plans.models import Plan, PlanComment, PlanItem


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PlanItemInline(admin.TabularInline):
    model = PlanItem
    extra = 0
    fields = ["order", "measure", "lead_agency", "target_date", "status", "assistance_needed", "request"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["state", "version", "status", "period_start", "period_end", "published_at"]
    list_filter = ["status"]
    list_select_related = ["state"]
    search_fields = ["state__name", "state__iso3", "title", "summary"]
    inlines = [PlanItemInline]


@admin.register(PlanComment)
class PlanCommentAdmin(ReadOnlyAdmin):
    list_display = ["plan", "item", "author", "created_at"]
    list_select_related = ["plan__state", "item", "author"]
