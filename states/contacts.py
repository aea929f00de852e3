"""A State's points of contact and issue champions: who may see them, who keeps them current, and what
the public learns of them (only which kinds the State has designated, never a name or an address).

- The State's officials keep their own State's contacts: add, edit, delete, confirm as still current.
- The Committee's experts and the administrators see every State's contacts and may add, edit and
  delete them too (say, from a note verbale); only the State confirms them as current.
- A provider's staff see a State's current contacts only while their organisation is matched to or
  working on one of that State's assistance requests. The states app imports no app above it: the
  assistance app says which providers those are by registering a function from its `AppConfig.ready`
  (`register_provider_access`).
- Everyone else, the public included, learns which kinds of contact the State has designated.

A contact not confirmed for a year is flagged to the State's officials (`stale_contacts`). Every change
is atomic and audited; pages and the API call these functions.
"""

import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.roles import is_official_of, is_reviewer
from portal.audit.services import record, snapshot
from portal.core.exceptions import InvalidInput, NotAllowed, NotVisible
from portal.core.languages import LANGUAGES, language_name
from portal.core.mail import Recipient, served_language, unique
from portal.core.text import date_errors, text_errors
from states.models import Contact, State

Kind = Contact.Kind
KINDS = list(Kind.values)
CONTACT_FIELDS = ["kind", "name", "agency", "role", "email", "phone", "languages", "valid_from", "valid_until"]
# A contact the State has not confirmed as current for this long is flagged to its officials.
STALE_AFTER = timedelta(days=365)
# More than enough for every kind of every regime; a bound on what one State can store.
MAX_CONTACTS_PER_STATE = 100
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]*(\s*(ext\.?|x)\s*[0-9]{1,6})?$")


# ---------------------------------------------------------------------------------------------
# Which providers may see a State's contacts: registered by the app that knows the requests

_provider_access = []


def register_provider_access(check):
    """Register `check(provider_id, state_id) -> bool`: True while the provider is matched to or working
    on one of the State's requests. A provider's staff see the State's current contacts when one says so."""
    if check not in _provider_access:
        _provider_access.append(check)
    return check


def provider_has_access(provider_id, state_id) -> bool:
    return bool(provider_id) and any(check(provider_id, state_id) for check in _provider_access)


# ---------------------------------------------------------------------------------------------
# Who may do what


def can_manage(user, state_id) -> bool:
    """The State's officials, the Committee's experts and the administrators."""
    return is_official_of(user, state_id) or is_reviewer(user)


def can_see(user, state_id) -> bool:
    """Who sees the State's contacts in full: those who manage them, and the staff of a provider matched
    to or working on one of the State's requests."""
    if can_manage(user, state_id):
        return True
    if user and user.is_authenticated and user.is_provider_staff and user.provider_id:
        return provider_has_access(user.provider_id, state_id)
    return False


def visible_contacts(user, state: State, *, may_see: bool | None = None) -> list[Contact]:
    """The State's contacts `user` may see, in the order of the kinds: all of them (past and future ones
    too) for those who manage them, the current ones for an allowed provider, none for anyone else.
    `may_see`: what `can_see(user, state.pk)` answered, when the caller asked it already."""
    if can_manage(user, state.pk):
        contacts = Contact.objects.filter(state=state)
    elif may_see if may_see is not None else can_see(user, state.pk):
        contacts = Contact.objects.filter(state=state).current()
    else:
        return []
    return sorted(contacts.select_related("state"), key=_order)


def _order(contact):
    return (KINDS.index(contact.kind), contact.name.casefold(), contact.pk)


def get_visible(user, pk) -> Contact:
    """One contact `user` may see; NotVisible (a 404) otherwise, whether or not it exists."""
    contact = Contact.objects.select_related("state").filter(pk=pk).first()
    if contact is not None and can_manage(user, contact.state_id):
        return contact
    if contact is not None and is_current(contact) and can_see(user, contact.state_id):
        return contact
    raise NotVisible(_("No contact %(id)s that you may see.") % {"id": pk})


def manage_refusal(user, state_id):
    if not can_manage(user, state_id):
        return NotAllowed(_("Only the State's officials and the Committee's experts change its contacts."))
    return None


def confirm_refusal(user, state_id):
    if not is_official_of(user, state_id):
        return NotAllowed(_("Only the State's officials confirm its contacts as current."))
    return None


# ---------------------------------------------------------------------------------------------
# What everyone may know, and what is overdue


def designated_kinds(state: State) -> list[dict]:
    """Each kind of contact, in order, and whether the State has a current one: all the public learns."""
    designated = set(Contact.objects.filter(state=state).current().values_list("kind", flat=True).distinct())
    return [{"kind": kind, "label": label, "designated": kind in designated} for kind, label in Kind.choices]


def is_current(contact: Contact, today=None) -> bool:
    today = today or timezone.localdate()
    return (contact.valid_from is None or contact.valid_from <= today) and (
        contact.valid_until is None or contact.valid_until >= today
    )


def is_overdue(contact: Contact, now=None) -> bool:
    """Not confirmed as current for a year, and not ended."""
    now = now or timezone.now()
    ended = contact.valid_until is not None and contact.valid_until < timezone.localdate(now)
    return not ended and contact.confirmed_at < now - STALE_AFTER


def stale_contacts(state: State) -> list[Contact]:
    """The State's contacts, not ended, that it has not confirmed as current for a year."""
    today = timezone.localdate()
    contacts = Contact.objects.filter(state=state, confirmed_at__lt=timezone.now() - STALE_AFTER).exclude(
        valid_until__lt=today
    )
    return sorted(contacts, key=_order)


def describe(contacts: list[Contact]) -> list[Contact]:
    """Add what the pages show of each contact: `current`, `overdue` and `language_names`."""
    now = timezone.now()
    today = timezone.localdate(now)
    for contact in contacts:
        contact.current = is_current(contact, today)
        contact.overdue = is_overdue(contact, now)
        contact.language_names = [language_name(code) for code in contact.languages]
    return contacts


def contact_recipients(state_id) -> list[Recipient]:
    """The State's current contacts as e-mail recipients, each address once, in the first of their
    working languages the portal serves: notifications about the State's requests and plans go to them
    as well as to its officials."""
    contacts = Contact.objects.filter(state_id=state_id).current().order_by("kind", "id")
    return unique(
        Recipient(email, served_language(*languages))
        for email, languages in contacts.values_list("email", "languages")
        if email
    )


# ---------------------------------------------------------------------------------------------
# The contact as data: what the API gives, and what a partial change is merged over


def as_data(contact: Contact) -> dict:
    return {name: getattr(contact, name) for name in CONTACT_FIELDS} | {"languages": list(contact.languages)}


def _date(value, errors, name):
    day, problems = date_errors(value)
    if problems:
        errors[name] = problems
    return day


def clean(data: dict, *, creating: bool) -> dict:
    """Check a whole contact (a change is merged over the current data first); raises InvalidInput."""
    if not isinstance(data, dict):
        raise InvalidInput(_("Send the contact as an object."))
    errors = {}
    cleaned = {}
    kind = data.get("kind") or ""
    if kind not in KINDS:
        errors["kind"] = [_("Choose among %(kinds)s.") % {"kinds": ", ".join(KINDS)}]
    cleaned["kind"] = kind
    for name, max_length, required in (("name", 200, True), ("agency", 200, False), ("role", 200, False)):
        value, problems = text_errors(data.get(name, ""), max_length=max_length, required=required)
        if problems:
            errors[name] = problems
        cleaned[name] = value
    email, problems = text_errors(data.get("email", ""), max_length=254, required=True)
    if not problems:
        try:
            validate_email(email)
        except ValidationError:
            problems = [_("Give a valid e-mail address.")]
    if problems:
        errors["email"] = problems
    cleaned["email"] = email
    phone, problems = text_errors(data.get("phone", ""), max_length=40)
    if not problems and phone and (not _PHONE.match(phone) or sum(c.isdigit() for c in phone) < 4):
        problems = [_("Give a telephone number: digits, spaces, + ( ) - . / and an extension (ext. 12).")]
    if problems:
        errors["phone"] = problems
    cleaned["phone"] = phone
    languages = data.get("languages")
    if languages in (None, ""):
        languages = []
    if not isinstance(languages, list) or not all(isinstance(code, str) for code in languages):
        errors["languages"] = [_("Give a list of language codes.")]
        languages = []
    unknown = [code for code in languages if code not in LANGUAGES]
    if unknown:
        errors["languages"] = [
            _("Unknown language(s) %(given)s: choose among %(allowed)s.")
            % {"given": ", ".join(unknown), "allowed": ", ".join(LANGUAGES)}
        ]
    cleaned["languages"] = [code for code in LANGUAGES if code in languages]  # canonical order, once each
    cleaned["valid_from"] = _date(data.get("valid_from"), errors, "valid_from")
    cleaned["valid_until"] = _date(data.get("valid_until"), errors, "valid_until")
    if cleaned["valid_from"] and cleaned["valid_until"] and cleaned["valid_until"] < cleaned["valid_from"]:
        errors["valid_until"] = [_("A contact cannot end before it starts.")]
    if errors:
        message = (
            _("The contact was not added; nothing was saved.")
            if creating
            else _("The contact was not changed; nothing was saved.")
        )
        raise InvalidInput(message, errors=errors)
    return cleaned


def _snapshot(contact: Contact) -> dict:
    return {"state": contact.state.iso3, **snapshot(contact, [*CONTACT_FIELDS, "confirmed_at"])}


# ---------------------------------------------------------------------------------------------
# Changes


@transaction.atomic
def create(state: State, data: dict, *, acting_user) -> Contact:
    refusal = manage_refusal(acting_user, state.pk)
    if refusal:
        raise refusal
    # One State's contacts are added one at a time: the bound below holds under concurrency.
    State.objects.select_for_update().filter(pk=state.pk).first()
    cleaned = clean(data, creating=True)
    if Contact.objects.filter(state=state).count() >= MAX_CONTACTS_PER_STATE:
        raise InvalidInput(
            _("A State keeps at most %(n)s contacts; delete those that ended.") % {"n": MAX_CONTACTS_PER_STATE}
        )
    contact = Contact.objects.create(
        state=state, confirmed_at=timezone.now(), created_by=acting_user, updated_by=acting_user, **cleaned
    )
    record("contact.create", contact, actor=acting_user, after=_snapshot(contact))
    return contact


def _locked(contact: Contact, acting_user, refusal_for) -> Contact:
    locked = Contact.objects.select_for_update(of=("self",)).select_related("state").filter(pk=contact.pk).first()
    if locked is None:
        raise NotVisible(_("No contact %(id)s that you may see.") % {"id": contact.pk})
    refusal = refusal_for(acting_user, locked.state_id)
    if refusal:
        raise refusal
    return locked


@transaction.atomic
def update(contact: Contact, data: dict, *, acting_user) -> Contact:
    """Change the fields given (merged over the current ones). An edit by the State's officials
    confirms the contact as current; an edit by the Committee leaves its confirmation as it was."""
    contact = _locked(contact, acting_user, manage_refusal)
    if not isinstance(data, dict):
        raise InvalidInput(_("Send the contact as an object."))
    before = _snapshot(contact)
    cleaned = clean({**as_data(contact), **data}, creating=False)
    for name, value in cleaned.items():
        setattr(contact, name, value)
    if is_official_of(acting_user, contact.state_id):
        contact.confirmed_at = timezone.now()
    contact.updated_by = acting_user
    contact.save()
    record("contact.update", contact, actor=acting_user, before=before, after=_snapshot(contact))
    return contact


@transaction.atomic
def delete(contact: Contact, *, acting_user) -> None:
    contact = _locked(contact, acting_user, manage_refusal)
    record("contact.delete", contact, actor=acting_user, before=_snapshot(contact))
    contact.delete()


@transaction.atomic
def confirm(contact: Contact, *, acting_user) -> Contact:
    """The State says the contact is still current, as it stands."""
    contact = _locked(contact, acting_user, confirm_refusal)
    before = contact.confirmed_at
    contact.confirmed_at = timezone.now()
    contact.updated_by = acting_user
    contact.save(update_fields=["confirmed_at", "updated_by", "updated_at"])
    record(
        "contact.confirm",
        contact,
        actor=acting_user,
        before={"confirmed_at": before.isoformat()},
        after={"confirmed_at": contact.confirmed_at.isoformat()},
    )
    return contact


# ---------------------------------------------------------------------------------------------
# The State's page: what its section shows each visitor (`templates/states/_contacts.html`)


def contacts_section(request, state: State) -> dict:
    """Context for the contacts section of a State's page: which kinds are designated, for everyone;
    the contacts themselves for those who may see them; the overdue ones flagged to the State's officials."""
    user = request.user
    may_see = can_see(user, state.pk)
    contacts = describe(visible_contacts(user, state, may_see=True)) if may_see else []
    official = is_official_of(user, state.pk)
    return {
        "contacts_designated": designated_kinds(state),
        "contacts_may_see": may_see,
        "contacts_shown": contacts,
        "contacts_overdue": [c for c in contacts if c.overdue] if official else [],
        "contacts_may_manage": can_manage(user, state.pk),
    }
