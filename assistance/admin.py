from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from assistance import offers
from assistance.models import AssistanceArea, AssistanceType, Column, Message, Offer, Provider
from assistance.services import LANGUAGES
from portal.accounts.roles import is_reviewer
from portal.core.exceptions import DomainError, InvalidInput
from portal.core.languages import LANGUAGE_NAMES


@admin.register(AssistanceArea)
class AssistanceAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "label"]
    search_fields = ["code", "label"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "mandate", "serves_all_regions", "confirmed"]
    list_filter = ["kind", "mandate", "serves_all_regions", "confirmed"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["areas", "regions"]


def _offer_data(cleaned: dict) -> dict:
    """The admin form's values as the offer services take them (codes, not objects)."""
    return {
        "title": cleaned.get("title", ""),
        "description": cleaned.get("description", ""),
        "areas": sorted(area.code for area in cleaned.get("areas") or []),
        "columns": list(cleaned.get("columns") or []),
        "assistance_types": list(cleaned.get("assistance_types") or []),
        "languages": list(cleaned.get("languages") or []),
        "eligibility": {
            "regions": sorted(region.name for region in cleaned.get("eligible_regions") or []),
            "organizations": sorted(org.code for org in cleaned.get("eligible_organizations") or []),
            "states": sorted(state.iso3 for state in cleaned.get("eligible_states") or []),
        },
        "mandate": cleaned.get("mandate") or "",
        "capacity": cleaned.get("capacity"),
        "capacity_period": cleaned.get("capacity_period") or Offer.Period.YEAR,
        "valid_from": cleaned.get("valid_from"),
        "valid_until": cleaned.get("valid_until"),
        "contact": cleaned.get("contact", ""),
        "status": cleaned.get("status") or Offer.Status.PUBLISHED,
    }


# Where an error of the offer services goes on the admin form (eligibility: above the form).
ERROR_FIELDS = {"eligibility": None}


class OfferAdminForm(forms.ModelForm):
    """The offer services' rules (assistance/offers.py) checked on the admin form, so the admin cannot
    save an offer the portal's pages and API would refuse."""

    columns = forms.MultipleChoiceField(
        label=_("Weapon columns"), choices=Column.choices, widget=forms.CheckboxSelectMultiple
    )
    assistance_types = forms.MultipleChoiceField(
        label=_("Types of assistance"), choices=AssistanceType.choices, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in offers.EDITABLE_STATUSES],
        help_text=_("Withdraw an offer with the action of the offer list."),
    )

    class Meta:
        model = Offer
        fields = [
            "provider", "title", "description", "areas", "columns", "assistance_types", "languages",
            "eligible_regions", "eligible_organizations", "eligible_states", "mandate", "capacity",
            "capacity_period", "valid_from", "valid_until", "contact", "status",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        provider = cleaned.get("provider") or (self.instance.provider if self.instance.provider_id else None)
        if provider is None or self.errors:
            return cleaned
        if self.instance.status == Offer.Status.WITHDRAWN and cleaned.get("status") != Offer.Status.PUBLISHED:
            self.add_error("status", _("This offer is withdrawn: publish it again to change it."))
            return cleaned
        try:
            offers.clean(_offer_data(cleaned), provider=provider, creating=self.instance.pk is None)
        except InvalidInput as error:
            for name, problems in (error.errors or {}).items():
                field = ERROR_FIELDS.get(name, name)
                self.add_error(field if field in self.fields else None, problems)
        return cleaned


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    """Saved through the offer services, which audit every change: an offer the Committee adds or
    edits here is unconfirmed until the provider confirms it, and a reload of the reference data
    leaves it alone. Withdraw offers with the list's action; they are never deleted (matches keep them)."""

    form = OfferAdminForm
    list_display = [
        "title", "provider", "status", "confirmed", "source", "mandate", "capacity", "capacity_period",
        "valid_until", "updated_at",
    ]  # fmt: skip
    list_filter = ["status", "confirmed", "source", "mandate", "capacity_period", "provider"]
    list_select_related = ["provider"]
    search_fields = ["title", "description", "provider__name", "provider__slug"]
    date_hierarchy = "updated_at"
    filter_horizontal = ["areas", "eligible_regions", "eligible_organizations"]
    autocomplete_fields = ["eligible_states"]
    readonly_fields = ["confirmed", "source", "created_by", "created_at", "updated_at", "withdrawn_at"]
    actions = ["withdraw"]

    def get_readonly_fields(self, request, obj=None):
        # An offer stays with its provider.
        return [*self.readonly_fields, "provider"] if obj else self.readonly_fields

    def has_add_permission(self, request):
        return super().has_add_permission(request) and is_reviewer(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and is_reviewer(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = _offer_data(form.cleaned_data)
        if change:
            saved = offers.update(Offer.objects.get(pk=obj.pk), data, acting_user=request.user)
        else:
            saved = offers.create({**data, "provider": form.cleaned_data["provider"].slug}, acting_user=request.user)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """The services have set the areas and the eligibility."""

    @admin.action(description=_("Withdraw the selected offers"))
    def withdraw(self, request, queryset):
        done = 0
        for offer in queryset:
            try:
                offers.withdraw(offer, acting_user=request.user)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{offer}: {error}", messages.ERROR)
        self.message_user(request, _("%(n)s offer(s) withdrawn.") % {"n": done}, messages.SUCCESS)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read-only: messages are written on the conversation pages and the API, through the services
    that check who may write and notify the other side."""

    list_display = ["request", "provider", "side", "author", "document_name", "created_at", "notified_at"]
    list_filter = ["side", "provider"]
    list_select_related = ["request__state", "provider", "author"]
    search_fields = ["body", "document_name", "request__title", "request__state__name", "provider__name"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
