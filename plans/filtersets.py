"""The action plans' filters, with which the API validates its query parameters."""

import django_filters
from django.utils.translation import gettext_lazy as _

from plans.models import Plan
from portal.core.filters import CodeFilter
from states.models import State


class PlanFilterSet(django_filters.FilterSet):
    state = CodeFilter(label=_("State"), queryset=State.objects.all(), to_field_name="iso3")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Plan.Status.choices)

    class Meta:
        model = Plan
        fields = ["state", "status"]
