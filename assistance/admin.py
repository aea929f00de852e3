from django.contrib import admin

from assistance.models import AssistanceArea, Provider


@admin.register(AssistanceArea)
class AssistanceAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "label"]
    search_fields = ["code", "label"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "serves_all_regions", "confirmed"]
    list_filter = ["kind", "serves_all_regions", "confirmed"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["areas", "regions"]
