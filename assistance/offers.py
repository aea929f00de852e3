"""Everything that changes an assistance offer: create, edit, publish, withdraw, confirm.

A provider's staff manage their organisation's offers; a Committee expert or an administrator may
add or edit an offer on behalf of a provider (one that has no account yet, say). An edit by the
provider confirms the offer; an edit by anyone else leaves it unconfirmed, since the provider has
not stood behind that wording. Pages and the API call these functions; each write is atomic and
audited.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.models import MAX_TEXT, AssistanceArea, AssistanceType, Column, Mandate, Offer, Provider
from assistance.services import LANGUAGES
from portal.accounts.roles import is_reviewer
from portal.audit.services import record
from portal.core.exceptions import InvalidInput, InvalidTransition, NotAllowed, NotVisible
from portal.core.text import date_errors, text_errors
from portal.core.usertext import check as check_language
from states.models import RegionalGroup, RegionalOrganization, State

EDITABLE_STATUSES = [Offer.Status.DRAFT, Offer.Status.PUBLISHED]
OFFER_FIELDS = [
    "title", "description", "language", "areas", "columns", "assistance_types", "languages", "eligibility",
    "mandate", "capacity", "capacity_period", "valid_from", "valid_until", "contact", "status",
]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Who may do what


def can_manage(user, offer: Offer) -> bool:
    """The offer's provider's staff, the Committee's experts and the administrators."""
    if not (user and user.is_authenticated):
        return False
    return is_reviewer(user) or bool(user.is_provider_staff and user.provider_id == offer.provider_id)


def get_visible(user, pk) -> Offer:
    offer = (
        Offer.objects.visible_to(user)
        .select_related("provider")
        .prefetch_related("areas", "eligible_regions", "eligible_organizations", "eligible_states")
        .filter(pk=pk)
        .first()
    )
    if offer is None:
        raise NotVisible(_("No assistance offer %(id)s that you may see.") % {"id": pk})
    return offer


def manage_refusal(user, offer: Offer):
    if not can_manage(user, offer):
        return NotAllowed(_("Only the provider's staff and the Committee's experts change its offers."))
    return None


# ---------------------------------------------------------------------------------------------
# The offer as data: what the API gives, and what a partial change is merged over


def as_data(offer: Offer) -> dict:
    """The contract's fields of `offer` (prefetch its areas and eligibility)."""
    return {
        "title": offer.title,
        "description": offer.description,
        "language": offer.language,
        "areas": sorted(a.code for a in offer.areas.all()),
        "columns": list(offer.columns),
        "assistance_types": list(offer.assistance_types),
        "languages": list(offer.languages),
        "eligibility": eligibility_of(offer),
        "mandate": offer.mandate or None,
        "capacity": offer.capacity,
        "capacity_period": offer.capacity_period,
        "valid_from": offer.valid_from,
        "valid_until": offer.valid_until,
        "contact": offer.contact,
        "status": offer.status,
    }


ELIGIBILITY_KEYS = ("regions", "organizations", "states", "excluded_organizations")


def eligibility_of(offer: Offer) -> dict:
    return {
        "regions": sorted(r.name for r in offer.eligible_regions.all()),
        "organizations": sorted(o.code for o in offer.eligible_organizations.all()),
        "states": sorted(s.iso3 for s in offer.eligible_states.all()),
        "excluded_organizations": sorted(offer.excluded_organizations),
    }


# ---------------------------------------------------------------------------------------------
# Validation, shared by the pages and the API


def _codes(value, allowed, errors, name, message, *, required=False):
    if value in (None, ""):
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.setdefault(name, []).append(_("Give a list."))
        return []
    unknown = [v for v in value if v not in allowed]
    if unknown:
        errors.setdefault(name, []).append(message % {"given": ", ".join(unknown), "allowed": ", ".join(allowed)})
        return []
    if required and not value:
        errors.setdefault(name, []).append(_("Choose at least one."))
    return [v for v in allowed if v in value]  # the canonical order, without duplicates


def _date(value, errors, name):
    day, problems = date_errors(value)
    if problems:
        errors[name] = problems
    return day


def clean(data: dict, *, provider: Provider, creating: bool) -> dict:
    """Check a whole offer (a change is merged over the current data first); raises InvalidInput."""
    if not isinstance(data, dict):
        raise InvalidInput(_("Send the offer as an object."))
    errors = {}
    cleaned = {}
    for name, max_length, required in (("title", 200, True), ("description", MAX_TEXT, True), ("contact", 200, False)):
        value, problems = text_errors(data.get(name, ""), max_length=max_length, required=required)
        if problems:
            errors[name] = problems
        cleaned[name] = value
    # The language the title and description are written in: given, else the writer's interface language.
    cleaned["language"] = check_language(data.get("language"), errors)
    area_codes = list(AssistanceArea.objects.values_list("code", flat=True))
    codes = _codes(data.get("areas"), area_codes, errors, "areas", _("Unknown area(s): %(given)s."), required=True)
    cleaned["areas"] = list(AssistanceArea.objects.filter(code__in=codes)) if codes else []
    cleaned["columns"] = _codes(
        data.get("columns"), Column.values, errors, "columns", _("Choose among %(allowed)s."), required=True
    )
    cleaned["assistance_types"] = _codes(
        data.get("assistance_types"), AssistanceType.values, errors, "assistance_types",
        _("Unknown type(s) %(given)s: choose among %(allowed)s."), required=True,
    )  # fmt: skip
    cleaned["languages"] = _codes(
        data.get("languages"), LANGUAGES, errors, "languages", _("Unknown language(s) %(given)s."), required=True
    )
    eligibility = data.get("eligibility") or {}
    if not isinstance(eligibility, dict) or set(eligibility) - set(ELIGIBILITY_KEYS):
        errors["eligibility"] = [
            _("Give an object with the lists regions, organizations, states and excluded_organizations.")
        ]
        eligibility = {}
    regions = {r.name: r for r in RegionalGroup.objects.all()}
    names = _codes(
        eligibility.get("regions"),
        sorted(regions),
        errors,
        "eligibility",
        _("Unknown UN regional group(s): %(given)s."),
    )
    cleaned["eligible_regions"] = [regions[n] for n in names]
    orgs = {o.code: o for o in RegionalOrganization.objects.all()}
    codes = _codes(
        eligibility.get("organizations"), sorted(orgs), errors, "eligibility", _("Unknown organisation(s): %(given)s.")
    )
    cleaned["eligible_organizations"] = [orgs[c] for c in codes]
    cleaned["excluded_organizations"] = _codes(
        eligibility.get("excluded_organizations"), sorted(orgs), errors, "eligibility",
        _("Unknown organisation(s) to exclude: %(given)s."),
    )  # fmt: skip
    if set(cleaned["excluded_organizations"]) & set(codes):
        errors.setdefault("eligibility", []).append(_("An organisation cannot be both eligible and excluded."))
    iso3s = [c.upper() for c in eligibility.get("states") or [] if isinstance(c, str)]
    states = {s.iso3: s for s in State.objects.filter(iso3__in=iso3s)}
    if not isinstance(eligibility.get("states") or [], list) or len(iso3s) != len(eligibility.get("states") or []):
        errors.setdefault("eligibility", []).append(_("Give the States as ISO alpha-3 codes."))
    elif set(iso3s) - set(states):
        unknown_states = ", ".join(sorted(set(iso3s) - set(states)))
        errors.setdefault("eligibility", []).append(_("Unknown State(s): %(s)s.") % {"s": unknown_states})
    cleaned["eligible_states"] = [states[c] for c in iso3s if c in states]
    mandate = data.get("mandate") or ""
    if mandate and mandate not in Mandate.values:
        errors["mandate"] = [_("Choose among %(m)s, or none.") % {"m": ", ".join(Mandate.values)}]
    elif mandate and mandate != provider.mandate:
        errors["mandate"] = [
            _("Only the organisation of the %(treaty)s holds its mandate; %(provider)s records none.")
            % {"treaty": mandate, "provider": provider.name}
            if not provider.mandate
            else _("%(provider)s holds the %(own)s mandate, not the %(treaty)s one.")
            % {"provider": provider.name, "own": provider.mandate, "treaty": mandate}
        ]
    cleaned["mandate"] = mandate
    capacity = data.get("capacity")
    if capacity is not None and (type(capacity) is not int or not 0 < capacity <= 10_000):
        errors["capacity"] = [_("Give the number of requests it can take per period (1 to 10000), or nothing.")]
        capacity = None
    cleaned["capacity"] = capacity
    period = data.get("capacity_period") or Offer.Period.YEAR
    if period not in Offer.Period.values:
        errors["capacity_period"] = [_("Choose among %(p)s.") % {"p": ", ".join(Offer.Period.values)}]
    cleaned["capacity_period"] = period
    cleaned["valid_from"] = _date(data.get("valid_from"), errors, "valid_from")
    cleaned["valid_until"] = _date(data.get("valid_until"), errors, "valid_until")
    if cleaned["valid_from"] and cleaned["valid_until"] and cleaned["valid_until"] < cleaned["valid_from"]:
        errors["valid_until"] = [_("The offer cannot end before it starts.")]
    status = data.get("status") or Offer.Status.PUBLISHED
    if status not in EDITABLE_STATUSES:
        errors["status"] = [
            _("Give draft or published; withdraw an offer with its withdraw action.")
            if status == Offer.Status.WITHDRAWN
            else _("Unknown status %(s)s: give draft or published.") % {"s": status}
        ]
    cleaned["status"] = status
    if errors:
        message = (
            _("The offer was not created; nothing was saved.")
            if creating
            else _("The offer was not changed; nothing was saved.")
        )
        raise InvalidInput(message, errors=errors)
    return cleaned


RELATIONS = ("areas", "eligible_regions", "eligible_organizations", "eligible_states")


def _save(offer: Offer, cleaned: dict):
    for name, value in cleaned.items():
        if name not in RELATIONS:
            setattr(offer, name, value)
    offer.save()
    for name in RELATIONS:
        getattr(offer, name).set(cleaned[name])


def _snapshot(offer):
    data = as_data(offer)
    for name in ("valid_from", "valid_until"):
        data[name] = data[name] and data[name].isoformat()
    return {**data, "confirmed": offer.confirmed}


def _provider_for(user, data) -> Provider:
    """Provider staff offer for their own organisation; an expert names the provider (its slug)."""
    if user and user.is_authenticated and user.is_provider_staff and user.provider_id:
        given = data.get("provider")
        if given not in (None, "", user.provider.slug):
            raise NotAllowed(_("You may only offer assistance on behalf of your own organisation."))
        return user.provider
    if is_reviewer(user):
        slug = data.get("provider")
        provider = Provider.objects.filter(slug=slug).first() if isinstance(slug, str) and slug else None
        if provider is None:
            raise InvalidInput(
                _("The offer was not created; nothing was saved."),
                errors={"provider": [_("Name the provider the offer is for (its slug).")]},
            )
        return provider
    raise NotAllowed(_("Only provider staff and the Committee's experts publish assistance offers."))


def _by_provider(user, offer) -> bool:
    return bool(user.is_provider_staff and user.provider_id == offer.provider_id)


@transaction.atomic
def create(data: dict, *, acting_user) -> Offer:
    provider = _provider_for(acting_user, data if isinstance(data, dict) else {})
    cleaned = clean(data, provider=provider, creating=True)
    by_provider = bool(acting_user.is_provider_staff)
    offer = Offer(
        provider=provider, created_by=acting_user, confirmed=by_provider, source="provider" if by_provider else "expert"
    )
    _save(offer, cleaned)
    if by_provider:
        _provider_confirmed(provider)
    record("offer.create", offer, actor=acting_user, after=_snapshot(offer))
    return offer


@transaction.atomic
def update(offer: Offer, changes: dict, *, acting_user) -> Offer:
    """Change an offer: `changes` (any of its fields) are merged over its current data."""
    refusal = manage_refusal(acting_user, offer)
    if refusal:
        raise refusal
    if not isinstance(changes, dict):
        raise InvalidInput(_("Send the changes as an object."))
    offer = Offer.objects.select_for_update().select_related("provider").get(pk=offer.pk)
    if offer.status == Offer.Status.WITHDRAWN and changes.get("status") != Offer.Status.PUBLISHED:
        raise InvalidTransition(_("This offer is withdrawn: publish it again to change it."))
    unknown = sorted(set(changes) - set(OFFER_FIELDS) - {"provider"})
    if unknown:
        raise InvalidInput(
            _("The offer was not changed; nothing was saved."),
            errors={name: [_("Unknown field.")] for name in unknown},
        )
    if "provider" in changes and changes["provider"] not in (None, offer.provider.slug):
        raise InvalidInput(
            _("The offer was not changed; nothing was saved."),
            errors={"provider": [_("An offer stays with its provider.")]},
        )
    before = _snapshot(offer)
    current = as_data(offer)
    cleaned = clean({**current, **changes}, provider=offer.provider, creating=False)
    if offer.status == Offer.Status.WITHDRAWN:
        offer.withdrawn_at = None
    _save(offer, cleaned)
    by_provider = _by_provider(acting_user, offer)
    # The provider's edit confirms the offer; anyone else's leaves it, or makes it, unconfirmed.
    offer.confirmed = by_provider
    offer.source = "provider" if by_provider else "expert"
    offer.save(update_fields=["confirmed", "source", "withdrawn_at", "updated_at"])
    if by_provider:
        _provider_confirmed(offer.provider)
    record("offer.update", offer, actor=acting_user, before=before, after=_snapshot(offer))
    return offer


@transaction.atomic
def confirm(offer: Offer, *, acting_user) -> Offer:
    """The provider's staff confirm an offer drafted for them, as it stands."""
    if not (acting_user and acting_user.is_authenticated and _by_provider(acting_user, offer)):
        raise NotAllowed(_("Only the provider's own staff confirm its offers."))
    offer = Offer.objects.select_for_update().select_related("provider").get(pk=offer.pk)
    if offer.status == Offer.Status.WITHDRAWN:
        raise InvalidTransition(_("A withdrawn offer cannot be confirmed; publish it again first."))
    if not offer.confirmed:
        offer.confirmed = True
        offer.save(update_fields=["confirmed", "updated_at"])
        _provider_confirmed(offer.provider)
        record("offer.confirm", offer, actor=acting_user, before={"confirmed": False}, after={"confirmed": True})
    return offer


@transaction.atomic
def withdraw(offer: Offer, *, acting_user) -> Offer:
    """No new request is matched to a withdrawn offer; the matches already made stand."""
    refusal = manage_refusal(acting_user, offer)
    if refusal:
        raise refusal
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.status == Offer.Status.WITHDRAWN:
        return offer  # a repeated withdrawal acts once
    before = offer.status
    offer.status = Offer.Status.WITHDRAWN
    offer.withdrawn_at = timezone.now()
    offer.save(update_fields=["status", "withdrawn_at", "updated_at"])
    record("offer.withdraw", offer, actor=acting_user, before={"status": before}, after={"status": offer.status})
    return offer


def _provider_confirmed(provider: Provider):
    if not provider.confirmed:
        Provider.objects.filter(pk=provider.pk).update(confirmed=True)
        provider.confirmed = True
        record("provider.confirm", provider, actor=None, before={"confirmed": False}, after={"confirmed": True})


def prefill_request(offer: Offer) -> dict:
    """The assistance template pre-filled from an offer ("request this"): its area when it has only
    one, its columns and type when it has only one, and its provider as the preferred one."""
    areas = sorted(a.code for a in offer.areas.all())
    return {
        "title": "",
        "area": areas[0] if len(areas) == 1 else None,
        "columns": list(offer.columns) if len(offer.columns) == 1 else [],
        "assistance_type": offer.assistance_types[0] if len(offer.assistance_types) == 1 else "",
        "preferred_providers": [offer.provider.slug],
        "from_offer": offer.pk,
    }
