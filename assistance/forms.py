"""Forms of the assistance pages, all `PortalForm`s rendered with `templates/includes/field.html`.

They parse what the browser sends into the shape the services take (the same as the API's JSON); the
services decide what is valid, and their errors, keyed like the API's (`title`, `columns`, `needs` ->
{"0": {"description": [...]}}), are put back next to the fields."""

from collections import Counter
from types import SimpleNamespace

from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from assistance.models import MAX_TEXT, AssistanceType, Column, Mandate, Offer, Provider
from assistance.services import LANGUAGES, MAX_NEEDS
from portal.core.forms import PortalForm
from portal.core.languages import LANGUAGE_NAMES
from portal.core.usertext import writer_language

# How many need slots a form parses at least (the page shows the slots in use and one empty slot;
# a script adds more on demand).
NEED_SLOTS = 5
CELL_SEPARATOR = "|"
ASPECT_LABELS = {"framework": _("framework"), "enforcement": _("enforcement")}

# Suggesting the area of a request from the cells it starts from: the section of the 1540 matrix (or the
# category of a treaty checklist), refined by the row where a section spans several areas.
SECTION_AREAS = {
    "OP1": "ACTION_PLAN",
    "OP2": "LEGISLATION",
    "OP3ab": "ACCOUNTING_SECURITY",
    "OP3cd": "EXPORT_CONTROL",
    # Treaty checklists (CWC, NPT, BWC): their categories.
    "adherence": "ACTION_PLAN",
    "institutions": "ACTION_PLAN",
    "definitions": "LEGISLATION",
    "prohibitions": "LEGISLATION",
    "criminalization": "LEGISLATION",
    "regulatory framework": "LEGISLATION",
    "enforcement": "ENFORCEMENT",
    "border controls": "BORDER_CONTROL",
    "transfer controls": "EXPORT_CONTROL",
    "export controls": "EXPORT_CONTROL",
    "scheduled chemicals": "EXPORT_CONTROL",
    "means of delivery": "EXPORT_CONTROL",
    "safeguards": "ACCOUNTING_SECURITY",
    "radioactive sources": "ACCOUNTING_SECURITY",
    "nuclear security": "PHYSICAL_PROTECTION",
    "chemical security": "PHYSICAL_PROTECTION",
    "biosafety/biosecurity": "BIOSAFETY_BIOSECURITY",
    "reporting": "REPORTING",
    "declarations": "REPORTING",
    "transparency": "REPORTING",
    "outreach": "OUTREACH",
}
ROW_AREAS = {
    "OP3ab.SEC_PRODUCTION": "PHYSICAL_PROTECTION",
    "OP3ab.SEC_USE": "PHYSICAL_PROTECTION",
    "OP3ab.SEC_STORAGE": "PHYSICAL_PROTECTION",
    "OP3ab.SEC_TRANSPORT": "PHYSICAL_PROTECTION",
    "OP3ab.PHYS_PROTECTION": "PHYSICAL_PROTECTION",
    "OP3ab.PERSONNEL_RELIABILITY": "PHYSICAL_PROTECTION",
    "OP3ab.GENETIC_ENGINEERING": "BIOSAFETY_BIOSECURITY",
    "OP3cd.BORDER_CONTROL": "BORDER_CONTROL",
    "OP3cd.BORDER_ENFORCEMENT": "BORDER_CONTROL",
    "OP3cd.BORDER_TECH": "DETECTION_EQUIPMENT",
}


# ---------------------------------------------------------------------------------------------
# Matrix cells as sent by the gaps page and the form: `<matrix id>|<row>|<column>|<aspect>`


def cell_value(matrix, row, column, aspect) -> str:
    return CELL_SEPARATOR.join((str(matrix), row, column, aspect))


def parse_cell(value):
    """`12|OP2.MANUFACTURE|CW|framework` -> {"matrix": 12, "row", "column", "aspect"}; None if malformed."""
    parts = str(value).split(CELL_SEPARATOR)
    if len(parts) != 4 or not all(parts) or not parts[0].isdigit() or len(value) > 200:
        return None
    return {"matrix": int(parts[0]), "row": parts[1], "column": parts[2], "aspect": parts[3]}


def suggest_columns(cells) -> list[str]:
    """The weapon columns of the cells (an OP1 cell, column ALL, says nothing: left to the official)."""
    found = {cell["column"] for cell in cells}
    return [column for column in Column.values if column in found]


def suggest_area(cells, known_codes) -> str:
    """The most frequent area among the cells' rows and sections (the first one on a tie); "" if none."""
    votes = Counter()
    for cell in cells:
        code = ROW_AREAS.get(cell["row"]) or SECTION_AREAS.get(cell.get("section") or "")
        if code in known_codes:
            votes[code] += 1
    return votes.most_common(1)[0][0] if votes else ""


def cell_groups(gaps, extra) -> list[dict]:
    """The cells a need can point at, as small matrices: grouped by regime and section, one line per
    row, one column per (weapon column, aspect). First the State's gaps, then `extra` (cells already
    chosen that are not gaps any more, or not the State's: the services refuse those).

    Each group: {"label", "columns": [(column, aspect)], "headers": [(column, span)], "aspects": [label],
    "rows": [{"row", "label", "cells": [{"value", "name"} or None, aligned with "columns"]}]}."""
    groups, seen = {}, set()
    for cell in [*gaps, *extra]:
        value = cell_value(cell["matrix"], cell["row"], cell["column"], cell["aspect"])
        if value in seen:
            continue
        seen.add(value)
        if cell.get("section_label"):
            key = (cell["matrix"], cell.get("section"))
            label = _("%(regime)s v%(version)s · %(section)s") % {
                "regime": cell["regime"],
                "version": cell["version"],
                "section": cell["section_label"],
            }
        else:
            key, label = ("other",), _("Other cells")
        group = groups.setdefault(key, {"label": label, "columns": [], "rows": {}})
        column = (cell["column"], cell["aspect"])
        if column not in group["columns"]:
            group["columns"].append(column)
        row = group["rows"].setdefault(
            (cell["matrix"], cell["row"]), {"row": cell["row"], "label": cell.get("label", ""), "by_column": {}}
        )
        aspect = ASPECT_LABELS.get(cell["aspect"], cell["aspect"])
        row["by_column"][column] = {"value": value, "name": f"{cell['row']} {cell['column']} {aspect}"}
    result = []
    order = {c: i for i, c in enumerate(Column.values + ["ALL"])}
    for group in groups.values():
        columns = sorted(group["columns"], key=lambda c: (order.get(c[0], 9), c[0], c[1] != "framework", c[1]))
        headers = []
        for column, _aspect in columns:
            if headers and headers[-1][0] == column:
                headers[-1][1] += 1
            else:
                headers.append([column, 1])
        result.append(
            {
                "label": group["label"],
                "headers": headers,
                "aspects": [ASPECT_LABELS.get(aspect, aspect) for _column, aspect in columns],
                "rows": [
                    {"row": r["row"], "label": r["label"], "cells": [r["by_column"].get(c) for c in columns]}
                    for r in group["rows"].values()
                ],
            }
        )
    return result


# ---------------------------------------------------------------------------------------------
# The assistance template


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes or a multi-select whose values the services check (with the API's messages)."""

    def valid_value(self, value):
        return True


def _lf(value):
    """Browsers send textarea line breaks as CRLF: count (and save) them as LF."""
    return (value or "").replace("\r\n", "\n")


def _text(label, *, textarea=False, max_length=MAX_TEXT, help_text=""):
    widget = forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput()
    # No max_length validator: the services say what is too long, with the same message everywhere.
    widget.attrs["maxlength"] = max_length
    return forms.CharField(label=label, required=False, widget=widget, help_text=help_text)


class RequestForm(PortalForm):
    """The Committee's assistance template: one subject area, the weapon columns, the type of help, and
    one or more specific needs, each pointing at the matrix cells it addresses."""

    area = forms.CharField(label=_("Subject area"), required=False, widget=forms.Select)
    columns = LenientMultipleChoiceField(
        label=_("Weapon columns"), required=False, choices=Column.choices, widget=forms.CheckboxSelectMultiple
    )
    assistance_type = forms.CharField(label=_("Type of assistance"), required=False, widget=forms.Select)
    title = _text(_("Title"), max_length=200, help_text=_("One line that says what the State asks for."))
    beneficiary_agencies = _text(
        _("Agencies that would benefit"), textarea=True, help_text=_("Ministries, regulators, customs, courts...")
    )
    timeline = _text(_("Timeline"), max_length=200, help_text=_("When the assistance is needed, e.g. 2026 Q1."))
    language = forms.CharField(label=_("Language"), required=False, widget=forms.Select)
    preferred_providers = LenientMultipleChoiceField(
        label=_("Preferred providers"),
        required=False,
        help_text=_(
            "Providers the State would like to work with (routing favours them). "
            "Hold Ctrl (⌘ on a Mac) to choose several."
        ),
    )
    approached_providers = LenientMultipleChoiceField(
        label=_("Providers already approached"),
        required=False,
        help_text=_("So that efforts are not duplicated. Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    contact_person = _text(_("Contact person"), max_length=200, help_text=_("Never shown to the public."))
    consent_to_publish = forms.BooleanField(
        label=_("The State consents to publishing this request"),
        required=False,
        help_text=_("Published requests (without the contact person) are listed on the public assistance page."),
    )
    # A one-time token in the "new request" form: the same form sent twice (a double click, a retry)
    # creates one request (assistance.views.official.new_request).
    form_token = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    # "Request this": the offer the request started from (the services check it is published).
    from_offer = forms.IntegerField(label=_("Started from the offer"), required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, areas, providers, gaps, extra_cells=(), slots=NEED_SLOTS, initial=None):
        self.slots = min(max(slots, NEED_SLOTS), MAX_NEEDS + 5)
        # The need slots are fields like the others (styled and described by PortalForm).
        self.base_fields = {**self.base_fields, **self._need_fields(self.slots)}
        super().__init__(data, initial=initial)
        self.cell_choices = cell_groups(gaps, extra_cells)
        self.sent_slots = []
        self.fields["area"].widget.choices = [("", _("Choose an area")), *((a.code, a.label) for a in areas)]
        self.fields["assistance_type"].widget.choices = [("", _("Choose a type")), *AssistanceType.choices]
        self.fields["language"].widget.choices = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
        self.fields["language"].initial = writer_language()
        provider_choices = [(p.slug, p.name) for p in providers]
        for name in ("preferred_providers", "approached_providers"):
            self.fields[name].choices = provider_choices
            self.fields[name].widget.attrs["size"] = 6

    @staticmethod
    def _need_fields(slots) -> dict:
        fields = {}
        for index in range(slots):
            fields[f"need-{index}-description"] = _text(_("Need %(n)s: description") % {"n": index + 1}, textarea=True)
            fields[f"need-{index}-cells"] = LenientMultipleChoiceField(
                label=_("Matrix cells need %(n)s addresses") % {"n": index + 1}, required=False
            )
        return fields

    @staticmethod
    def cells_in(data) -> list[dict]:
        """The matrix cells ticked in a posted form (its need slots), those that parse."""
        return [
            cell
            for name in data
            if name.startswith("need-") and name.endswith("-cells")
            for cell in map(parse_cell, data.getlist(name))
            if cell
        ]

    @staticmethod
    def slots_in(data) -> int:
        """How many need slots a posted form had (the script may have shown more than the default)."""
        indexes = [int(key.split("-")[1]) for key in data if key.startswith("need-") and key.split("-")[1].isdigit()]
        return max(indexes, default=-1) + 1

    def clean(self):
        cleaned = super().clean()
        for index in range(self.slots):
            name = f"need-{index}-cells"
            cells, bad = [], []
            for value in cleaned.get(name) or []:
                cell = parse_cell(value)
                (cells if cell else bad).append(cell or value)
            if bad:
                self.add_error(name, _("Not a matrix cell: %(v)s.") % {"v": ", ".join(bad)[:200]})
            else:
                cleaned[name] = cells
        return cleaned

    def template_data(self) -> dict:
        """The template as the services take it (as the API's JSON)."""
        data = self.cleaned_data
        template = {
            name: _lf(data.get(name))
            for name in ("area", "assistance_type", "title", "beneficiary_agencies", "timeline", "contact_person")
        }
        template["language"] = data.get("language") or ""
        template["columns"] = list(data.get("columns") or [])
        template["preferred_providers"] = list(data.get("preferred_providers") or [])
        template["approached_providers"] = list(data.get("approached_providers") or [])
        template["consent_to_publish"] = bool(data.get("consent_to_publish"))
        if data.get("from_offer") is not None:
            template["from_offer"] = data["from_offer"]
        needs, self.sent_slots = [], []
        for index in range(self.slots):
            description = _lf(data.get(f"need-{index}-description"))
            cells = data.get(f"need-{index}-cells") or []
            if description.strip() or cells:
                needs.append({"description": description, "cells": cells})
                self.sent_slots.append(index)
        template["needs"] = needs
        return template

    def add_service_errors(self, errors):
        """Put the services' errors (keyed like the API's) next to the fields they are about."""
        if not isinstance(errors, dict):
            return
        for key, problems in errors.items():
            if key == "needs" and isinstance(problems, dict):
                for position, need_problems in problems.items():
                    try:
                        slot = self.sent_slots[int(position)]
                    except (ValueError, IndexError):
                        slot = 0
                    for field, messages in need_problems.items():
                        target = f"need-{slot}-cells" if field == "cells" else f"need-{slot}-description"
                        for message in messages:
                            self.add_error(target, str(message))
                continue
            target = "need-0-description" if key == "needs" else key if key in self.fields else None
            for message in problems if isinstance(problems, list) else [problems]:
                self.add_error(target, str(message))

    # --- rendering ----------------------------------------------------------------------------

    def needs(self) -> list:
        """The need slots for the template: description field, cells grouped with their ticks, errors.

        Slots in use are shown, then one empty slot (a script adds more on demand)."""
        known = {c["value"] for g in self.cell_choices for row in g["rows"] for c in row["cells"] if c}
        fields = [(self[f"need-{i}-description"], self[f"need-{i}-cells"]) for i in range(self.slots)]
        used = [
            bool(cells.value() or (description.value() or "").strip() or description.errors or cells.errors)
            for description, cells in fields
        ]
        last_used = max((i for i, u in enumerate(used) if u), default=-1)
        slots = []
        for index in range(min(self.slots, max(last_used + 2, 2))):
            description, cells_field = fields[index]
            ticked = {str(v) for v in (cells_field.value() or [])}
            groups = []
            for group in self.cell_choices:
                rows = [
                    {**row, "cells": [c and {**c, "checked": c["value"] in ticked} for c in row["cells"]]}
                    for row in group["rows"]
                ]
                count = sum(bool(c and c["checked"]) for row in rows for c in row["cells"])
                groups.append({**group, "rows": rows, "ticked": count})
            unknown = sorted(ticked - known)
            if unknown:
                rows = [{"row": v, "label": "", "cells": [{"value": v, "name": v, "checked": True}]} for v in unknown]
                groups.append(
                    {"label": _("Other cells"), "headers": [], "aspects": [""], "rows": rows, "ticked": len(rows)}
                )
            slots.append(
                SimpleNamespace(
                    index=index,
                    number=index + 1,
                    description=description,
                    cells=cells_field,
                    groups=groups,
                    ticked=sum(g["ticked"] for g in groups),
                    # The first slot is always shown; a script hides the other empty ones.
                    empty=index > 0 and not used[index],
                )
            )
        return slots


def initial_from(template: dict) -> tuple[dict, int]:
    """A saved request's template (`selectors.request_template`) as the form's initial values, and
    how many need slots it needs."""
    initial = {name: value for name, value in template.items() if name != "needs"}
    for index, need in enumerate(template["needs"]):
        initial[f"need-{index}-description"] = need["description"]
        initial[f"need-{index}-cells"] = [
            cell_value(c["matrix"], c["row"], c["column"], c["aspect"]) for c in need["cells"]
        ]
    return initial, len(template["needs"]) + 2


def as_form_data(initial: dict):
    """Initial values as a browser would post them (to show the services' errors on a saved request)."""
    data = MultiValueDict()
    for name, value in initial.items():
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list):
            data.setlist(name, [str(v) for v in value])
        else:
            data[name] = "" if value is None else str(value)
    return data


class ActionForm(PortalForm):
    """The form of one action on a request (feedback, progress, delivery, assignment)."""

    def add_service_errors(self, errors):
        """Put the services' errors next to the fields they are about (the others above the form)."""
        for key, problems in (errors or {}).items():
            for message in problems if isinstance(problems, list) else [problems]:
                self.add_error(key if key in self.fields else None, str(message))


class FeedbackForm(ActionForm):
    """The State's rating of delivered assistance; giving it closes the request."""

    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 = not useful, 5 = exactly what was needed."),
    )
    comment = _text(_("Comment"), textarea=True)


# ---------------------------------------------------------------------------------------------
# The providers' and the experts' actions


def _report(label, missing):
    """A required piece of plain text a provider writes: what was done, what was delivered."""
    return forms.CharField(
        label=label, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": missing}
    )


class ProgressForm(ActionForm):
    note = _report(_("Progress note"), _("Write what has been done."))


class DeliverForm(ActionForm):
    summary = _report(_("What was delivered"), _("Say what was delivered."))


class AssignForm(ActionForm):
    """An expert assigns an active provider to a request by hand."""

    provider = forms.ModelChoiceField(
        label=_("Provider to assign"),
        queryset=Provider.objects.filter(active=True).order_by("name"),
        to_field_name="slug",
        empty_label=_("Choose a provider"),
        error_messages={
            "required": _("Choose the provider to assign."),
            "invalid_choice": _("Choose one of the active providers."),
        },
    )
    # The provider's offer it is assigned through (the why-not page's buttons); none from the request page.
    offer = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput,
        error_messages={"invalid": _("Choose one of the provider's offers.")},
    )  # fmt: skip

    def clean_offer(self):
        """The Offer (or None); the services check it is one of the provider's."""
        offer_id = self.cleaned_data.get("offer")
        if offer_id is None:
            return None
        offer = Offer.objects.filter(pk=offer_id).select_related("provider").first()
        if offer is None:
            raise forms.ValidationError(_("No offer %(id)s.") % {"id": offer_id})
        return offer


class WhyNotForm(PortalForm):
    """An expert asks why a provider is, or is not, matched to a request. The list shows the active
    providers; any provider's slug is answered (an inactive one: it does not receive requests)."""

    provider = forms.ModelChoiceField(
        label=_("Why not…?"),
        queryset=Provider.objects.order_by("name"),
        to_field_name="slug",
        empty_label=_("Choose a provider"),
        error_messages={
            "required": _("Choose the provider to ask about."),
            "invalid_choice": _("No provider %(value)s: choose one of the providers."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["provider"]
        field.widget.choices = [
            (value, label) for value, label in field.widget.choices if not value or value.instance.active
        ]


# ---------------------------------------------------------------------------------------------
# Assistance offers


def _checkboxes(label, *, choices=(), help_text=""):
    return LenientMultipleChoiceField(
        label=label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


OFFER_STATUSES = [("published", _("Published: shown to the public and matched to requests")),
                  ("draft", _("Draft: seen only by the provider and the Committee"))]  # fmt: skip
ELIGIBILITY = {
    "eligible_regions": "regions", "eligible_organizations": "organizations", "eligible_states": "states",
    "excluded_organizations": "excluded_organizations",
}  # fmt: skip


class OfferForm(PortalForm):
    """An assistance offer, as its provider's staff write it (or a Committee expert on the provider's
    behalf: then with the `provider` field when it is new). `assistance.offers` checks it; its errors,
    keyed like the API's, come back next to the fields (`eligibility` on the eligibility fieldset)."""

    provider = forms.CharField(label=_("Provider"), required=False, widget=forms.Select)
    title = _text(_("Title"), max_length=200, help_text=_("One line that says what is offered."))
    description = _text(
        _("Description"),
        textarea=True,
        help_text=_("What the provider offers, how it is delivered, what it asks of the State."),
    )
    language = forms.CharField(
        label=_("Language of this text"),
        required=False,
        widget=forms.Select,
        help_text=_("The language the title and description are written in; they are shown as written."),
    )
    areas = _checkboxes(_("Areas of assistance"))
    columns = _checkboxes(_("Weapon columns"), choices=Column.choices)
    assistance_types = _checkboxes(_("Types of assistance"), choices=AssistanceType.choices)
    languages = _checkboxes(_("Languages"), choices=list(LANGUAGE_NAMES.items()))
    eligible_regions = _checkboxes(_("States of the UN regional groups"))
    eligible_organizations = _checkboxes(_("Members of the regional organisations"))
    eligible_states = LenientMultipleChoiceField(
        label=_("These States"),
        required=False,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    excluded_organizations = _checkboxes(
        _("Not for members of"),
        help_text=_("For a programme that serves an organisation's partners, not its members."),
    )
    mandate = forms.CharField(
        label=_("Treaty mandate"),
        required=False,
        widget=forms.Select,
        help_text=_("Only the organisation of a treaty holds its mandate (the OPCW for the CWC, say)."),
    )
    capacity = forms.CharField(
        label=_("Capacity"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": 10000}),
        help_text=_("How many requests it can take on per period; leave empty when not stated."),
    )
    capacity_period = forms.CharField(label=_("Per"), required=False, widget=forms.Select)
    valid_from = forms.CharField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.CharField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave both empty for an offer without end."),
    )
    contact = _text(_("Contact"), max_length=200, help_text=_("Who States may write to about this offer."))
    status = forms.CharField(label=_("Status"), required=False, widget=forms.RadioSelect)

    def __init__(self, data=None, *, areas, regions, organizations, states, providers=None, initial=None):
        super().__init__(data, initial=initial)
        self.eligibility_errors = []
        if providers is None:
            del self.fields["provider"]
        else:
            self.fields["provider"].widget.choices = [
                ("", _("Choose a provider")),
                *((p.slug, p.name) for p in providers),
            ]
            self.fields["provider"].help_text = _(
                "An offer added for a provider is shown as added by the Committee, not confirmed by the provider."
            )
        self.fields["areas"].choices = [(a.code, a.label) for a in areas]
        self.fields["eligible_regions"].choices = [(r.name, r.name) for r in regions]
        self.fields["eligible_organizations"].choices = [(o.code, f"{o.name} ({o.code})") for o in organizations]
        self.fields["excluded_organizations"].choices = self.fields["eligible_organizations"].choices
        self.fields["eligible_states"].choices = [(s.iso3, s.name) for s in states]
        self.fields["eligible_states"].widget.attrs["size"] = 8
        self.fields["mandate"].widget.choices = [("", _("None")), *Mandate.choices]
        self.fields["capacity_period"].widget.choices = Offer.Period.choices
        self.fields["status"].widget.choices = OFFER_STATUSES
        self.fields["language"].widget.choices = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
        if not self.is_bound:
            self.initial.setdefault("language", writer_language())
            self.initial.setdefault("status", Offer.Status.PUBLISHED)
            self.initial.setdefault("capacity_period", Offer.Period.YEAR)

    @staticmethod
    def initial_from(data: dict) -> dict:
        """An offer's data (`assistance.offers.as_data`) as the form's initial values."""
        initial = {name: value for name, value in data.items() if name != "eligibility"}
        for field, key in ELIGIBILITY.items():
            initial[field] = list(data["eligibility"][key])
        for name in ("valid_from", "valid_until"):
            initial[name] = data[name].isoformat() if data[name] else ""
        initial["capacity"] = "" if data["capacity"] is None else str(data["capacity"])
        initial["mandate"] = data["mandate"] or ""
        if initial["status"] == Offer.Status.WITHDRAWN:
            initial["status"] = Offer.Status.PUBLISHED  # saving a withdrawn offer publishes it again
        return initial

    def offer_data(self) -> dict:
        """The offer as the services (and the API's JSON) take it."""
        cleaned = self.cleaned_data
        data = {name: _lf(cleaned.get(name)) for name in ("title", "description", "contact")}
        data["language"] = cleaned.get("language") or ""
        for name in ("areas", "columns", "assistance_types", "languages"):
            data[name] = list(cleaned.get(name) or [])
        data["eligibility"] = {key: list(cleaned.get(field) or []) for field, key in ELIGIBILITY.items()}
        data["mandate"] = cleaned.get("mandate") or ""
        capacity = (cleaned.get("capacity") or "").strip()
        # A whole number goes as one; anything else as sent, for the services to explain.
        data["capacity"] = int(capacity) if capacity.isdigit() else capacity or None
        data["capacity_period"] = cleaned.get("capacity_period") or ""
        for name in ("valid_from", "valid_until"):
            data[name] = (cleaned.get(name) or "").strip() or None
        data["status"] = cleaned.get("status") or ""
        if "provider" in self.fields:
            data["provider"] = cleaned.get("provider") or ""
        return data

    def add_service_errors(self, errors):
        """Put the services' errors next to their fields; `eligibility` on the eligibility fieldset."""
        for key, problems in (errors or {}).items():
            problems = [str(p) for p in (problems if isinstance(problems, list) else [problems])]
            if key == "eligibility":
                self.eligibility_errors.extend(problems)
                continue
            for message in problems:
                self.add_error(key if key in self.fields else None, message)


# ---------------------------------------------------------------------------------------------
# The conversation between the State and a provider on a request


class MessageForm(PortalForm):
    """A message in a conversation, with an optional document. The services check the text (plain,
    required, its length) and the document (type, size, content) and say what is wrong."""

    body = forms.CharField(
        label=_("Your message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_TEXT}),
    )
    document = forms.FileField(
        label=_("Document (optional)"),
        required=False,
        widget=forms.FileInput(
            attrs={
                "accept": ".pdf,.doc,.docx,.odt,application/pdf,application/msword,"
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
                "application/vnd.oasis.opendocument.text"
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["document"].help_text = _("A .pdf, .doc, .docx or .odt file of at most %(max)s MB.") % {
            "max": settings.MAX_UPLOAD_MB
        }
        self._describe("document", self.fields["document"])

    def add_service_errors(self, errors):
        """Put the services' errors next to the fields they are about (the others above the form)."""
        for key, problems in (errors or {}).items():
            for message in problems if isinstance(problems, list) else [problems]:
                self.add_error(key if key in self.fields else None, str(message))
