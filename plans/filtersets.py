"""The action plans' filters, with which the API validates its query parameters."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from plans.models import Plan
from plans.search import text_matches
from portal.core.filters import CodeFilter
from states.models import State


class PlanFilterSet(django_filters.FilterSet):
    state = CodeFilter(label=_("State"), queryset=State.objects.all(), to_field_name="iso3")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Plan.Status.choices)
    search = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=100,
        help_text=_("Part of the title, summary, an item's measure or lead agency, or the document's name."),
        widget=forms.SearchInput(attrs={"maxlength": 100}),
    )

    class Meta:
        model = Plan
        fields = ["state", "status", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(text_matches(value)).distinct()
