"""The filters of lists of matrices: the API's list of versions, and the public list of published
matrices (its page and its download share `PublishedFilterSet`)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matrices.models import Matrix, Regime
from portal.core.filters import CodeFilter, PortalFilterSet
from states.filtersets import RegionFilter
from states.models import Membership, RegionalOrganization, State


class MatrixFilterSet(django_filters.FilterSet):
    state = CodeFilter(label=_("State (ISO alpha-3)"), queryset=State.objects.all(), to_field_name="iso3")
    regime = CodeFilter(label=_("Regime"), queryset=Regime.objects.all(), to_field_name="code")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Matrix.Status.choices)

    class Meta:
        model = Matrix
        fields = ["state", "regime", "status"]


class PublishedFilterSet(PortalFilterSet):
    """Filters of the list of published matrices, shared by the page and its download."""

    regime = CodeFilter(
        label=_("Regime"),
        queryset=Regime.objects.order_by("order"),
        to_field_name="code",
        empty_label=_("All regimes"),
    )
    region = RegionFilter(field_name="state__region")
    organization = CodeFilter(
        label=_("Regional organisation"),
        queryset=RegionalOrganization.objects.order_by("code"),
        to_field_name="code",
        method="filter_organization",
        empty_label=_("All organisations"),
    )
    search = django_filters.CharFilter(
        label=_("State"),
        method="filter_search",
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Name or ISO code")}),
    )

    class Meta:
        model = Matrix
        fields = ["regime", "region", "organization", "search"]

    def is_valid(self):
        """Valid filters are shown as their lists spell them: `?regime=cwc` selects CWC."""
        if not super().is_valid():
            return False
        data = self.form.data.copy()
        for name, declared in self.filters.items():
            to_field = declared.extra.get("to_field_name")
            value = self.form.cleaned_data.get(name)
            if to_field and value is not None:
                data[name] = getattr(value, to_field)
        self.form.data = data
        return True

    def filter_organization(self, queryset, name, value):
        members = Membership.objects.current().filter(organization=value, state__isnull=False)
        return queryset.filter(state_id__in=members.values("state_id"))

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(state__name__icontains=value) | Q(state__official_name__icontains=value) | Q(state__iso3__iexact=value)
        )
