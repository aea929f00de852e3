"""Forms of the action plans' pages, all `PortalForm`s rendered with `templates/includes/field.html`.

They parse what the browser sends into the shape the services take (the same as the API's JSON); the
services decide what is valid, and their errors, keyed like the API's, are put back next to the fields.
The item form offers the State's gaps as the assistance request form does (`assistance.forms.cell_groups`):
a plan item's cells have no matrix, so only the row, column and aspect of a ticked cell are kept."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from assistance.forms import LenientMultipleChoiceField, cell_groups, parse_cell
from plans.models import MAX_TEXT, PlanItem
from plans.services import LANGUAGES, PLAN_DOCUMENT_EXTENSIONS
from portal.core.forms import PortalForm
from portal.core.languages import language_name
from portal.core.usertext import writer_language


def _lf(value):
    """Browsers send textarea line breaks as CRLF: count (and save) them as LF."""
    return (value or "").replace("\r\n", "\n")


def _text(label, *, textarea=False, max_length=MAX_TEXT, help_text="", rows=3):
    widget = forms.Textarea(attrs={"rows": rows}) if textarea else forms.TextInput()
    # No max_length validator: the services say what is too long, with the same message everywhere.
    widget.attrs["maxlength"] = max_length
    return forms.CharField(label=label, required=False, widget=widget, help_text=help_text, strip=False)


def _date(label, help_text=""):
    return forms.CharField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text=help_text
    )


class ServiceErrorsMixin:
    def add_service_errors(self, errors):
        """Put the services' errors next to the fields they are about (the others above the form)."""
        for key, problems in (errors or {}).items():
            for message in problems if isinstance(problems, list) else [problems]:
                self.add_error(key if key in self.fields else None, str(message))


class PlanForm(ServiceErrorsMixin, PortalForm):
    """A version's own fields: title, summary, period and language."""

    title = _text(_("Title"), max_length=200, help_text=_("For example: National action plan 2026–2028."))
    summary = _text(
        _("Summary"),
        textarea=True,
        rows=5,
        help_text=_("What the State plans to do in this period, in a few sentences."),
    )
    period_start = _date(_("Period from"))
    period_end = _date(_("Period until"))
    language = forms.CharField(label=_("Language"), required=False, widget=forms.Select)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].widget.choices = [(code, language_name(code)) for code in LANGUAGES]
        self.fields["language"].initial = writer_language()

    @staticmethod
    def initial_from(plan) -> dict:
        return {
            "title": plan.title,
            "summary": plan.summary,
            "period_start": plan.period_start.isoformat() if plan.period_start else "",
            "period_end": plan.period_end.isoformat() if plan.period_end else "",
            "language": plan.language,
        }

    def plan_data(self) -> dict:
        """The fields as the services (and the API's JSON) take them."""
        data = self.cleaned_data
        return {
            "title": _lf(data.get("title")),
            "summary": _lf(data.get("summary")),
            "period_start": (data.get("period_start") or "").strip() or None,
            "period_end": (data.get("period_end") or "").strip() or None,
            "language": data.get("language") or "",
        }


def cell_key(cell) -> tuple:
    return (cell["row"], cell["column"], cell["aspect"])


class ItemForm(ServiceErrorsMixin, PortalForm):
    """One measure of the plan: what, which matrix cells it addresses, who leads, by when, how far it
    is, and whether assistance is needed."""

    measure = _text(
        _("Measure"),
        textarea=True,
        help_text=_("What will be done, e.g. “Adopt the Chemical Weapons Act”. The first line is its title."),
    )
    lead_agency = _text(_("Lead agency"), max_length=200, help_text=_("The ministry or agency that leads it."))
    target_date = _date(_("Target date"))
    status = forms.CharField(label=_("Status"), required=False, widget=forms.Select)
    assistance_needed = forms.BooleanField(
        label=_("Assistance is needed for this measure"),
        required=False,
        help_text=_("You can then ask for it: a draft assistance request is started from the item."),
    )
    cells = LenientMultipleChoiceField(label=_("Matrix cells this measure addresses"), required=False)

    def __init__(self, data=None, *, gaps, extra_cells=(), initial=None):
        super().__init__(data, initial=initial)
        self.fields["status"].widget.choices = PlanItem.Status.choices
        self.fields["status"].initial = PlanItem.Status.PLANNED
        self.cell_choices = cell_groups(gaps, extra_cells)
        self._mark_chosen()

    @staticmethod
    def chosen_in(data) -> list[dict]:
        """The cells ticked in a posted form, those that parse, without their matrix."""
        return [
            {"row": cell["row"], "column": cell["column"], "aspect": cell["aspect"]}
            for cell in map(parse_cell, data.getlist("cells"))
            if cell
        ]

    @staticmethod
    def initial_from(item) -> dict:
        return {
            "measure": item.measure,
            "lead_agency": item.lead_agency,
            "target_date": item.target_date.isoformat() if item.target_date else "",
            "status": item.status,
            "assistance_needed": item.assistance_needed,
            "initial_cells": list(item.cells),
        }

    def _mark_chosen(self):
        if self.is_bound:
            chosen = {cell_key(c) for c in self.chosen_in(self.data)}
        else:
            chosen = {cell_key(c) for c in self.initial.get("initial_cells", [])}
        ticked = 0
        for group in self.cell_choices:
            group["ticked"] = 0
            for row in group["rows"]:
                for cell in row["cells"]:
                    if cell is None:
                        continue
                    parsed = parse_cell(cell["value"])
                    cell["checked"] = bool(parsed) and cell_key(parsed) in chosen
                    group["ticked"] += cell["checked"]
            ticked += group["ticked"]
        self.ticked = ticked

    def clean(self):
        cleaned = super().clean()
        cells, bad = [], []
        for value in cleaned.get("cells") or []:
            cell = parse_cell(value)
            if cell:
                cells.append({"row": cell["row"], "column": cell["column"], "aspect": cell["aspect"]})
            else:
                bad.append(value)
        if bad:
            self.add_error("cells", _("Not a matrix cell: %(v)s.") % {"v": ", ".join(bad)[:200]})
        cleaned["cells"] = cells
        return cleaned

    def item_data(self) -> dict:
        """The item as the services (and the API's JSON) take it."""
        data = self.cleaned_data
        return {
            "measure": _lf(data.get("measure")),
            "lead_agency": _lf(data.get("lead_agency")),
            "target_date": (data.get("target_date") or "").strip() or None,
            "status": data.get("status") or PlanItem.Status.PLANNED,
            "assistance_needed": bool(data.get("assistance_needed")),
            "cells": data.get("cells") or [],
        }


class DocumentForm(ServiceErrorsMixin, PortalForm):
    """The plan as a document (many States write theirs in Word); the services check its type, size and content."""

    document = forms.FileField(
        label=_("Plan document"),
        error_messages={"required": _("Choose the file to upload.")},
        widget=forms.FileInput(
            attrs={
                "accept": ",".join(PLAN_DOCUMENT_EXTENSIONS) + ",application/pdf,application/msword,"
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
                "application/vnd.oasis.opendocument.text"
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].help_text = _("A .pdf, .doc, .docx or .odt file of at most %(max)s MB.") % {
            "max": settings.MAX_UPLOAD_MB
        }
        self._describe("document", self.fields["document"])


class PlanCommentForm(ServiceErrorsMixin, PortalForm):
    """A Committee expert's comment on a version shared with the Committee, or on one of its items
    (`item`); the services say what is missing or too long."""

    body = _text(_("Comment"), textarea=True, rows=3)
    item = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def body_text(self) -> str:
        return _lf(self.cleaned_data.get("body"))
