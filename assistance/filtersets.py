import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assistance.models import AssistanceArea, Column, Provider
from portal.core.filters import CodeFilter
from states.models import RegionalGroup


class ProviderFilterSet(django_filters.FilterSet):
    area = CodeFilter(
        label=_("Area of assistance"), queryset=AssistanceArea.objects.all(), to_field_name="code", field_name="areas"
    )
    column = django_filters.ChoiceFilter(label=_("Weapon column"), choices=Column.choices, method="filter_column")
    region = CodeFilter(
        label=_("Serves UN regional group"),
        queryset=RegionalGroup.objects.all(),
        to_field_name="name",
        method="filter_region",
    )
    kind = django_filters.ChoiceFilter(choices=Provider.Kind.choices)

    class Meta:
        model = Provider
        fields = ["area", "column", "region", "kind"]

    def filter_column(self, queryset, name, value):
        # JSON containment is not portable to SQLite; the list of providers is short.
        return queryset.filter(pk__in=[p.pk for p in Provider.objects.only("columns") if value in p.columns])

    def filter_region(self, queryset, name, value):
        return queryset.filter(Q(serves_all_regions=True) | Q(regions=value)).distinct()
