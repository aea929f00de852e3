import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assistance.models import AssistanceArea, AssistanceRequest, Column, Provider
from matrices.models import Regime
from portal.core.filters import CodeFilter
from states.filtersets import RegionFilter
from states.models import State


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
    status = django_filters.ChoiceFilter(choices=AssistanceRequest.Status.choices)
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
