from django.contrib import admin

from matrices.models import Comment, Mapping, Matrix, Regime, Row, Section, Template


@admin.register(Regime)
class RegimeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "column"]


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["regime", "version", "effective_from"]
    inlines = [SectionInline]


@admin.register(Row)
class RowAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "template", "section", "kind", "source_status", "retired"]
    list_filter = ["template__regime", "kind", "source_status", "retired"]
    list_select_related = ["template__regime", "section"]
    search_fields = ["code", "label"]


@admin.register(Mapping)
class MappingAdmin(admin.ModelAdmin):
    list_display = ["source", "target_code", "column", "aspect"]
    list_select_related = ["source"]
    search_fields = ["source__code", "target_code"]


@admin.register(Matrix)
class MatrixAdmin(admin.ModelAdmin):
    """Read-only here: matrices change through the portal's forms and API, which audit every change."""

    list_display = ["state", "regime", "version", "status", "submitted_at", "approved_at", "published_at"]
    list_filter = ["regime", "status", "state__region"]
    list_select_related = ["state", "regime"]
    search_fields = ["state__name", "state__iso3"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["matrix", "row_code", "column", "aspect", "author", "created_at"]
    list_select_related = ["matrix__state", "matrix__regime", "author"]

    def has_change_permission(self, request, obj=None):
        return False
