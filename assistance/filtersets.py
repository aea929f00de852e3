"""The assistance filter sets: those the API validates its query parameters with (`ProviderFilterSet`,
`RequestFilterSet`, `TurnaroundFilterSet`), and the pages' own (their readable labels, "any" choices and
a form rendered with `templates/includes/field.html`, each list of choices read once)."""

import django_filters
from django import forms
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from assistance.models import AssistanceArea, AssistanceRequest, AssistanceType, Column, Mandate, Match, Offer, Provider
from assistance.services import LANGUAGES
from matrices.models import Regime
from portal.core.filters import CodeFilter, CollatedCodeFilter, StrictBooleanFilter
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


class OfferFilterSet(django_filters.FilterSet):
    """The offers' filters, for the API and the public offers page. `eligible` (a State's ISO3 code)
    keeps the offers that State may receive: open to all, or to its UN group, one of its
    organisations, or it by name."""

    provider = CodeFilter(label=_("Provider"), queryset=Provider.objects.all(), to_field_name="slug")
    area = CodeFilter(
        label=_("Area of assistance"), queryset=AssistanceArea.objects.all(), to_field_name="code", field_name="areas"
    )
    column = django_filters.ChoiceFilter(label=_("Weapon column"), choices=Column.choices, method="filter_list")
    assistance_type = django_filters.ChoiceFilter(
        label=_("Type of assistance"), choices=AssistanceType.choices, field_name="assistance_types",
        method="filter_list",
    )  # fmt: skip
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=[(code, code) for code in LANGUAGES], field_name="languages", method="filter_list"
    )
    mandate = django_filters.ChoiceFilter(label=_("Treaty mandate"), choices=Mandate.choices)
    eligible = CodeFilter(
        label=_("Open to the State"), queryset=State.objects.all(), to_field_name="iso3", method="filter_eligible"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Offer.Status.choices)
    confirmed = StrictBooleanFilter(label=_("Confirmed by the provider"))

    class Meta:
        model = Offer
        fields = ["provider", "area", "column", "assistance_type", "language", "mandate", "eligible", "status"]

    def filter_list(self, queryset, name, value):
        # JSON containment is not portable to SQLite: match the serialised list instead.
        field = "columns" if name == "column" else name
        return queryset.filter(**{f"{field}__icontains": f'"{value}"'})

    def filter_eligible(self, queryset, name, state):
        from states.models import Membership

        open_to_all = Q(eligible_regions=None) & Q(eligible_organizations=None) & Q(eligible_states=None)
        memberships = Membership.objects.current().filter(state=state)
        organizations = memberships.values("organization_id")
        eligible = queryset.filter(
            open_to_all
            | Q(eligible_regions=state.region_id)
            | Q(eligible_organizations__in=organizations)
            | Q(eligible_states=state)
        ).distinct()
        # Not the offers reserved to the partners of an organisation the State belongs to.
        for code in memberships.values_list("organization__code", flat=True):
            eligible = eligible.exclude(excluded_organizations__icontains=f'"{code}"')
        return eligible


class Scope(models.TextChoices):
    """Which requests a list shows a provider's staff: by default those routed to their organisation
    that wait for a claim and those they lead or support; on request, every one they may see."""

    ROUTED = "routed", _("Routed to your organisation: awaiting a claim, or led or supported by it")
    ALL = "all", _("Every request you may see")


class RequestFilterSet(django_filters.FilterSet):
    """The requests' filters. `scope` is the provider's view: `routed` (their default) or `all`; it
    is `all` by default for everyone else (`routed` shows them nothing: no organisation of theirs)."""

    scope = django_filters.ChoiceFilter(
        choices=Scope.choices,
        method="filter_scope",
        empty_label=None,
        help_text=_(
            "Provider staff: `routed` (the default) lists the requests routed to their organisation that await "
            "a claim and those it leads or supports; `all` every request they may see (also those claimed by "
            "others and the published ones). Everyone else: `all` (the default)."
        ),
    )
    status = django_filters.ChoiceFilter(choices=R.choices)
    area = CodeFilter(label=_("Area of assistance"), queryset=AssistanceArea.objects.all(), to_field_name="code")
    column = django_filters.ChoiceFilter(label=_("Weapon column"), choices=Column.choices, method="filter_column")
    state = CodeFilter(label=_("State"), queryset=State.objects.all(), to_field_name="iso3")
    region = RegionFilter(field_name="state__region")
    submitted_after = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")

    class Meta:
        model = AssistanceRequest
        fields = ["scope", "status", "area", "column", "state", "region", "submitted_after"]

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        if self.is_bound and not self.data.get("scope"):
            self.data = self.data.copy()
            self.data["scope"] = Scope.ROUTED if self._provider_staff() else Scope.ALL

    def _provider_staff(self) -> bool:
        user = getattr(self.request, "user", None)
        return bool(user is not None and user.is_authenticated and user.is_provider_staff)

    def filter_scope(self, queryset, name, value):
        if value != Scope.ROUTED:
            return queryset
        provider_id = getattr(getattr(self.request, "user", None), "provider_id", None)
        if provider_id is None:
            return queryset.none()
        own = Match.objects.filter(request=OuterRef("pk"), provider_id=provider_id)
        return queryset.filter(
            (Q(status=R.ROUTED) & Exists(own))
            | Q(claimed_by_id=provider_id)
            | Exists(own.filter(supporting_since__isnull=False))
        )

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
    """The provider's inbox: every request filter; by default the requests awaiting a claim and the
    organisation's own (`scope`), all the requests routed to it on request."""

    labels = {**REQUEST_FILTER_LABELS, "scope": _("Show")}
    empty_labels = REQUEST_FILTER_EMPTY
    # The page offers the scopes as tabs (`scope_tabs`); the form keeps the open one.
    SCOPE_TABS = [
        (Scope.ROUTED, _("To claim, and your work")),
        (Scope.ALL, _("All routed to you")),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["scope"].extra.update(choices=self.SCOPE_TABS, widget=forms.HiddenInput, help_text="")

    def scope_tabs(self) -> list[dict]:
        """The scope tabs: each with its label, whether it is open, and its query (the other filters kept)."""
        query = self.data.copy()
        query.pop("page", None)
        tabs = []
        for value, label in self.SCOPE_TABS:
            query["scope"] = value
            tabs.append({"label": label, "active": self.data.get("scope") == value, "query": query.urlencode()})
        return tabs


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
    state = CollatedCodeFilter(
        label=_("State"), queryset=State.objects.order_by("name"), to_field_name="iso3", empty_label=_("Any State")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(s.value, s.label) for s in PUBLIC_STATUSES],
        empty_label=_("Any status"),
    )

    class Meta:
        model = AssistanceRequest
        fields = ["area", "region", "state", "status"]


OFFER_FILTER_LABELS = {
    "provider": _("Provider"),
    "area": _("Area of assistance"),
    "column": _("Weapon column"),
    "assistance_type": _("Type of assistance"),
    "language": _("Language"),
    "mandate": _("Treaty mandate"),
    "eligible": _("Open to the State"),
    "status": _("Status"),
    "confirmed": _("Confirmed by the provider"),
}
OFFER_FILTER_EMPTY = {
    "provider": _("Any provider"),
    "area": _("Any area"),
    "column": _("Any column"),
    "assistance_type": _("Any type"),
    "mandate": _("Any or none"),
    "eligible": _("Any State"),
    "status": _("Any status"),
}


class OfferPageFilters(PageFilters):
    """The offers' filters on a page: languages by name, and "either" for the confirmation."""

    labels = OFFER_FILTER_LABELS
    empty_labels = {**OFFER_FILTER_EMPTY, "language": _("Any language")}

    def __init__(self, *args, **kwargs):
        from portal.core.languages import language_name

        super().__init__(*args, **kwargs)
        if "language" in self.filters:
            self.filters["language"].extra["choices"] = [(code, language_name(code)) for code in LANGUAGES]
        if "confirmed" in self.filters:
            choices = [("true", _("Confirmed")), ("false", _("Not confirmed yet"))]
            self.filters["confirmed"].extra.update(choices=choices, empty_label=_("Either"))


class PublicOfferFilterSet(OfferPageFilters, OfferFilterSet):
    """The public list of current offers (`eligible`: the offers a State may receive)."""

    shown = ("eligible", "area", "column", "assistance_type", "language", "mandate", "provider")


class ManagedOfferFilterSet(OfferPageFilters, OfferFilterSet):
    """The offers a provider's staff (or the Committee) manage: by status and confirmation."""

    shown = ("status", "confirmed")


class CommitteeOfferFilterSet(OfferPageFilters, OfferFilterSet):
    """Every provider's offers, for the Committee's experts."""

    shown = ("provider", "status", "confirmed")
