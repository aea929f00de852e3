from django.contrib import admin

from states.models import Contact, Membership, RegionalGroup, RegionalOrganization, State, Treaty, TreatyStatus


class TreatyStatusInline(admin.TabularInline):
    model = TreatyStatus
    extra = 0
    autocomplete_fields = ["treaty"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["organization", "kind", "since", "until", "note"]


@admin.register(State)
class StateAdmin(admin.ModelAdmin):
    list_display = ["name", "iso3", "iso2", "m49", "region"]
    list_filter = ["region"]
    list_select_related = ["region"]
    search_fields = ["name", "iso_name", "official_name", "iso3", "iso2"]
    inlines = [TreatyStatusInline, MembershipInline]


@admin.register(RegionalGroup)
class RegionalGroupAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(RegionalOrganization)
class RegionalOrganizationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "member_count_listed"]
    search_fields = ["code", "name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["member_name", "organization", "kind", "state"]
    list_filter = ["organization", "kind"]
    list_select_related = ["organization", "state"]
    search_fields = ["member_name", "member_code"]
    autocomplete_fields = ["state", "organization"]


@admin.register(Treaty)
class TreatyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "entry_into_force"]
    search_fields = ["code", "name"]


@admin.register(TreatyStatus)
class TreatyStatusAdmin(admin.ModelAdmin):
    list_display = ["state", "treaty", "status", "note"]
    list_filter = ["treaty", "status"]
    list_select_related = ["state", "treaty"]
    search_fields = ["state__name", "state__iso3"]
    autocomplete_fields = ["state", "treaty"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    """To look only: contacts change on the State's contacts page and the API, which check who may
    and record every change."""

    list_display = ["state", "kind", "name", "agency", "valid_from", "valid_until", "confirmed_at"]
    list_filter = ["kind"]
    list_select_related = ["state"]
    search_fields = ["state__name", "state__iso3", "name", "agency"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
