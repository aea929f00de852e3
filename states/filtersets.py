"""The States filters, shared by the public pages and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields

from portal.core.filters import CodeFilter, PortalFilterSet
from states.models import TRACKED_TREATY_CODES, Membership, RegionalGroup, RegionalOrganization, State, TreatyStatus

TRACKED_TREATIES = [(code, code) for code in TRACKED_TREATY_CODES]


class TreatyCodeField(filter_fields.ChoiceField):
    """A treaty code, accepted in any case (`cwc` or `CWC`)."""

    def to_python(self, value):
        return super().to_python(value).upper()


class TreatyFilter(django_filters.ChoiceFilter):
    field_class = TreatyCodeField


class RegionFilter(CodeFilter):
    """The one filter by UN regional group, by its English name as in the data (`African`, `GRULAC`) in
    every language (the choice's label is the reader's); pages and the API of every app declare theirs
    with it (`field_name` or `method` say what it filters)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("UN regional group"))
        kwargs.setdefault("empty_label", _("All regional groups"))
        super().__init__(queryset=RegionalGroup.objects.order_by("name"), to_field_name="name_en", **kwargs)


class StateFilterSet(PortalFilterSet):
    region = RegionFilter()
    organization = CodeFilter(
        label=_("Regional organisation"),
        queryset=RegionalOrganization.objects.all(),
        to_field_name="code",
        method="filter_organization",
        empty_label=_("All organisations"),
    )
    party_to = TreatyFilter(
        label=_("Party to"), choices=TRACKED_TREATIES, method="filter_party_to", empty_label=_("Any")
    )
    not_party_to = TreatyFilter(
        label=_("Not party to"), choices=TRACKED_TREATIES, method="filter_not_party_to", empty_label=_("Any")
    )
    search = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=100,
        help_text=_("Part of a name or an ISO code."),
        widget=forms.SearchInput(attrs={"placeholder": _("Name or ISO code"), "maxlength": 100}),
    )

    class Meta:
        model = State
        fields = ["region", "organization", "party_to", "not_party_to", "search"]

    def __init__(self, data=None, *args, **kwargs):
        # `cwc` filters as `CWC`; normalise the bound data too, so the form shows the choice as selected.
        if data is not None and any(name in data for name in ("party_to", "not_party_to")):
            data = data.copy()
            for name in ("party_to", "not_party_to"):
                if name in data:
                    data[name] = data[name].upper()
        super().__init__(data, *args, **kwargs)

    def filter_organization(self, queryset, name, value):
        members = Membership.objects.current().filter(organization=value, state__isnull=False)
        return queryset.filter(pk__in=members.values("state_id"))

    def filter_party_to(self, queryset, name, value):
        return queryset.filter(pk__in=self._parties(value))

    def filter_not_party_to(self, queryset, name, value):
        return queryset.exclude(pk__in=self._parties(value))

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)  # in the reader's language, and in English
            | Q(name_en__icontains=value)
            | Q(iso_name__icontains=value)
            | Q(official_name__icontains=value)
            | Q(iso3__iexact=value)
            | Q(iso2__iexact=value)
        )

    @staticmethod
    def _parties(treaty_code):
        return TreatyStatus.objects.filter(treaty__code=treaty_code, status=TreatyStatus.Status.PARTY).values(
            "state_id"
        )
