"""Forms of the State's workspace. They parse what the browser sends; the services decide what is valid
(a mark of X needs a source, NA needs a reason, plain text only), and their errors are put back next to
the field they are about."""

import re
from types import SimpleNamespace

from django import forms
from django.utils.translation import gettext_lazy as _

from matrices.models import MAX_TEXT, Aspect, CellColumn, Mark

CELL_FIELDS = ("mark", "source", "remarks")


def cell_field_name(key, field):
    """`OP2.MANUFACTURE|CW|framework|mark`: the form field of one value of one cell."""
    return "|".join((*key, field))


def cell_anchor(key) -> str:
    """`cell-OP2-MANUFACTURE-CW-framework`: an HTML id for a cell, safe in URLs and CSS."""
    return "cell-" + re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(key))


def cell_context(key) -> str:
    """`OP2.MANUFACTURE, Chemical weapons, National legal framework`: which cell a field is about."""
    row, column, aspect = key
    return f"{row}, {CellColumn(column).label}, {Aspect(aspect).label}"


class SectionForm(forms.Form):
    """The cells of one section: a mark, a legal source and remarks for each.

    Built from the grid's `CellView`s; each of them gets a `fields` namespace of bound fields
    (`cell.fields.mark`, ...) for the template.
    """

    def __init__(self, data=None, *, cells):
        if data is not None:
            # A field that was not sent at all keeps its stored value (it is not a request to blank it).
            data = data.copy()
            for cell in cells:
                for field in CELL_FIELDS:
                    data.setdefault(cell_field_name(cell.key, field), getattr(cell, field))
        super().__init__(data)
        self.cells = cells
        labels = {"mark": _("Mark"), "source": _("Legal source"), "remarks": _("Remarks")}
        for cell in cells:
            anchor = cell_anchor(cell.key)
            for field, initial in (("mark", cell.mark), ("source", cell.source), ("remarks", cell.remarks)):
                # No max_length here: the services say what is too long, with the same message everywhere.
                self.fields[cell_field_name(cell.key, field)] = forms.CharField(
                    label=labels[field],
                    required=False,
                    initial=initial,
                    widget=forms.TextInput(attrs={"id": f"{anchor}-{field}"}),
                )
        for cell in cells:
            cell.fields = SimpleNamespace(**{f: self[cell_field_name(cell.key, f)] for f in CELL_FIELDS})
            cell.field_list = [getattr(cell.fields, f) for f in CELL_FIELDS]

    mark_choices = Mark.choices
    max_text = MAX_TEXT

    def changed_cells(self) -> list[dict]:
        """The cells whose values differ from what is stored, in display order, as the services take them."""
        changed = []
        for cell in self.cells:
            stored = {"mark": cell.mark, "source": _lf(cell.source), "remarks": _lf(cell.remarks)}
            # Browsers send textarea line breaks as CRLF: compare (and save) them as LF.
            values = {f: _lf(self.cleaned_data.get(cell_field_name(cell.key, f))) for f in CELL_FIELDS}
            if values != stored:
                row, column, aspect = cell.key
                changed.append({"row": row, "column": column, "aspect": aspect, **values})
        return changed

    def add_cell_errors(self, errors, sent: list[dict]):
        """Put the services' errors per position in `sent` next to the fields they are about."""
        if not isinstance(errors, dict):
            self.add_error(None, [str(e) for e in errors] if isinstance(errors, list) else str(errors))
            return
        for index, problems in errors.items():
            try:
                cell = sent[int(index)]
            except (ValueError, IndexError):
                continue
            key = (cell["row"], cell["column"], cell["aspect"])
            for field, messages in problems.items():
                target = field if field in CELL_FIELDS else "mark"
                for message in messages:
                    self.add_error(cell_field_name(key, target), str(message))


def _lf(value):
    return (value or "").replace("\r\n", "\n")


class StartDraftForm(forms.Form):
    """Start a new draft of a regime; experts also say for which State."""

    regime = forms.CharField(label=_("Regime"), max_length=10)
    state = forms.CharField(label=_("State (ISO alpha-3)"), max_length=3, required=False)


class ConsentForm(forms.Form):
    consent = forms.TypedChoiceField(
        label=_("Consent to publish"),
        choices=[("1", _("Give consent")), ("0", _("Withdraw consent"))],
        coerce=lambda value: value == "1",
    )


class DocumentForm(forms.Form):
    """The national report. Its type and size are checked by services.attach_report."""

    document = forms.FileField(
        label=_("National report (PDF or Word)"),
        help_text=_("A .pdf, .doc or .docx file."),
    )
    report_date = forms.DateField(
        label=_("Date of the national report"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class CommentForm(forms.Form):
    """A comment on one cell: by row, column and aspect, or all three in `cell` (`row|column|aspect`)."""

    row = forms.CharField(max_length=60, required=False)
    column = forms.CharField(max_length=3, required=False)
    aspect = forms.CharField(max_length=12, required=False)
    cell = forms.CharField(max_length=100, required=False)
    # The services check the length and the content: their message is shown next to the field.
    body = forms.CharField(label=_("Comment"), required=False, strip=True, widget=forms.Textarea(attrs={"rows": 3}))
    next = forms.CharField(max_length=500, required=False)

    def clean(self):
        data = super().clean()
        if data.get("cell"):
            parts = data["cell"].split("|")
            if len(parts) != 3:
                raise forms.ValidationError(_("Choose the cell the comment is about."))
            data["row"], data["column"], data["aspect"] = parts
        if not data.get("aspect"):
            data["aspect"] = Aspect.FRAMEWORK.value
        if not data.get("row") or not data.get("column"):
            raise forms.ValidationError(_("Choose the cell the comment is about."))
        return data
