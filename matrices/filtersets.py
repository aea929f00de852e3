import django_filters
from django.utils.translation import gettext_lazy as _

from matrices.models import Matrix, Regime
from portal.core.filters import CodeFilter
from states.models import State


class MatrixFilterSet(django_filters.FilterSet):
    state = CodeFilter(label=_("State (ISO alpha-3)"), queryset=State.objects.all(), to_field_name="iso3")
    regime = CodeFilter(label=_("Regime"), queryset=Regime.objects.all(), to_field_name="code")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Matrix.Status.choices)

    class Meta:
        model = Matrix
        fields = ["state", "regime", "status"]
