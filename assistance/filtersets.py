"""The assistance filter sets: those the API validates its query parameters with (`ProviderFilterSet`,
`RequestFilterSet`, `TurnaroundFilterSet`), and the pages' own (their readable labels, "any" choices and
a form rendered with `templates/includes/field.html`, each list of choices read once)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assistance.models import AssistanceArea, AssistanceRequest, Column, Provider
from matrices.models import Regime
from portal.core.filters import CodeFilter
from portal.core.forms import PortalFormMixin, mixed
from states.filtersets import RegionFilter
from states.models import State

R = AssistanceRequest.Status


class ProviderFilterSet(django_filters.FilterSet):
    area = CodeFilter(
        label=_("Area of assistance"), queryset=AssistanceArea.objects.all(), to_field_name="code", field_name="areas"
    )
    column = django_filters.ChoiceFilter(label=_("Weapon column"), choices=Column.choices, method="filter_column")
    region = RegionFilter(label=_("Serves UN regional group"), method="filter_region")
    kind = django_filters.ChoiceFilter(choices=Provider.Kind.choices)

    class Meta:
        model = Provider
        fields = ["area", "column", "region", "kind"]

    def filter_column(self, queryset, name, value):
        # JSON containment is not portable to SQLite: match the serialised list instead.
        return queryset.filter(columns__icontains=f'"{value}"')

    def filter_region(self, queryset, name, value):
        return queryset.filter(Q(serves_all_regions=True) | Q(regions=value)).distinct()


class RequestFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=R.choices)
    area = CodeFilter(label=_("Area of assistance"), queryset=AssistanceArea.objects.all(), to_field_name="code")
    column = django_filters.ChoiceFilter(label=_("Weapon column"), choices=Column.choices, method="filter_column")
    state = CodeFilter(label=_("State"), queryset=State.objects.all(), to_field_name="iso3")
    region = RegionFilter(field_name="state__region")
    submitted_after = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")

    class Meta:
        model = AssistanceRequest
        fields = ["status", "area", "column", "state", "region", "submitted_after"]

    def filter_column(self, queryset, name, value):
        # JSON containment is not portable to SQLite: match the serialised list instead.
        return queryset.filter(columns__icontains=f'"{value}"')


class TurnaroundFilterSet(django_filters.FilterSet):
    """The filters of the turnaround figures (applied by assistance.metrics, not to a queryset)."""

    provider = CodeFilter(queryset=Provider.objects.all(), to_field_name="slug", method="keep")
    area = CodeFilter(queryset=AssistanceArea.objects.all(), to_field_name="code", method="keep")
    region = RegionFilter(method="keep")
    regime = CodeFilter(queryset=Regime.objects.all(), to_field_name="code", method="keep")
    since = django_filters.DateFilter(method="keep")
    until = django_filters.DateFilter(method="keep")

    class Meta:
        model = AssistanceRequest
        fields = ["provider", "area", "region", "regime", "since", "until"]

    def keep(self, queryset, name, value):
        return queryset


# ---------------------------------------------------------------------------------------------
# The pages' filter sets


class PageFilters:
    """Mixed into a filter set shown on a page: `labels` and `empty_labels` (the "any" choice) by
    filter name, `shown` (the filters the page offers; all when empty), date pickers for dates, and
    a form like every page form (`PortalFormMixin`: styled, its model choices read once)."""

    labels: dict = {}
    empty_labels: dict = {}
    shown: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.filters):
            if self.shown and name not in self.shown:
                del self.filters[name]
        for name, fltr in self.filters.items():
            fltr.__dict__.pop("_field", None)  # built afresh with the page's labels
            if name in self.labels:
                fltr.label = self.labels[name]
            if name in self.empty_labels:
                fltr.extra["empty_label"] = self.empty_labels[name]
            if isinstance(fltr, django_filters.DateFilter):
                fltr.extra["widget"] = forms.DateInput(attrs={"type": "date"})

    def get_form_class(self):
        form_class = super().get_form_class()
        return mixed(PortalFormMixin, form_class)


REQUEST_FILTER_LABELS = {
    "status": _("Status"),
    "area": _("Area of assistance"),
    "column": _("Weapon column"),
    "state": _("State"),
    "region": _("UN regional group"),
    "submitted_after": _("Submitted on or after"),
}
REQUEST_FILTER_EMPTY = {
    "status": _("Any status"),
    "area": _("Any area"),
    "column": _("Any column"),
    "state": _("Any State"),
    "region": _("Any regional group"),
}


class InboxFilterSet(PageFilters, RequestFilterSet):
    """The provider's inbox: every request filter."""

    labels = REQUEST_FILTER_LABELS
    empty_labels = REQUEST_FILTER_EMPTY


class ExpertRequestFilterSet(PageFilters, RequestFilterSet):
    """The experts' list of requests: by status (drafts are not requests yet), area, region, State."""

    labels = REQUEST_FILTER_LABELS
    empty_labels = REQUEST_FILTER_EMPTY
    shown = ("status", "area", "region", "state")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["status"].extra["choices"] = [c for c in R.choices if c[0] != R.DRAFT]


class TurnaroundPageFilterSet(PageFilters, TurnaroundFilterSet):
    """The filters of the turnaround dashboard."""

    labels = {
        "provider": _("Provider (lead)"),
        "area": _("Area of assistance"),
        "region": _("UN regional group"),
        "regime": _("Regime"),
        "since": _("Submitted from"),
        "until": _("Submitted until"),
    }
    empty_labels = {
        "provider": _("Any provider"),
        "area": _("Any area"),
        "region": _("Any regional group"),
        "regime": _("Any regime"),
    }


PUBLIC_STATUSES = [status for status in R if status != R.DRAFT]


class PublicRequestFilterSet(PageFilters, django_filters.FilterSet):
    """The published requests on the public assistance page."""

    area = CodeFilter(
        label=_("Area of assistance"),
        queryset=AssistanceArea.objects.order_by("label"),
        to_field_name="code",
        empty_label=_("Any area"),
    )
    region = RegionFilter(field_name="state__region", empty_label=_("Any region"))
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(s.value, s.label) for s in PUBLIC_STATUSES],
        empty_label=_("Any status"),
    )

    class Meta:
        model = AssistanceRequest
        fields = ["area", "region", "status"]
