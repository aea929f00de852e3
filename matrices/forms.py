"""Forms of the State's workspace. They parse what the browser sends; the services decide what is valid
(a mark of X needs a source, NA needs a reason, plain text only), and their errors are put back next to
the field they are about."""

import re
from types import SimpleNamespace

from django import forms
from django.utils.translation import gettext_lazy as _

from matrices.models import MAX_TEXT, Aspect, CellColumn, Mark
from matrices.services import cell_token

CELL_FIELDS = ("mark", "source", "remarks")
# The hidden input of each cell that carries the token of the value the page showed (services.cell_token).
# Not a form field: a missing or garbled token is no error, the cell is then compared with what is stored.
SHOWN = "shown"
TOKEN = re.compile(r"[0-9a-f]{24}")


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
    (`cell.fields.mark`, ...) for the template, and `cell.shown_name` and `cell.shown_token` for the
    hidden input with the token of the value the page showed. A cell counts as changed when what is
    sent differs from what was shown (not from what is stored now), so a save never reverts what
    someone else saved meanwhile; `shown_tokens()` lets the services detect a real conflict. A post
    without the hidden inputs is compared with what is stored.
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
            cell.shown_name = cell_field_name(cell.key, SHOWN)
            # Shown again as it was posted; a new form carries the token of the value stored now.
            cell.shown_token = (
                self._shown(cell) if data is not None else cell_token(cell.mark, cell.source, cell.remarks)
            )

    mark_choices = Mark.choices
    max_text = MAX_TEXT

    def changed_cells(self) -> list[dict]:
        """The cells the user changed, in display order, as the services take them (call on a valid form).

        Changed means: different from the value the page showed (its token), or, when the post
        carries no token for the cell, different from what is stored.
        """
        changed = []
        for cell in self.cells:
            # Browsers send textarea line breaks as CRLF: compare (and save) them as LF.
            values = {f: _lf(self.cleaned_data.get(cell_field_name(cell.key, f))) for f in CELL_FIELDS}
            shown = self._shown(cell)
            if shown:
                different = cell_token(values["mark"], values["source"], values["remarks"]) != shown
            else:
                different = values != {"mark": cell.mark, "source": _lf(cell.source), "remarks": _lf(cell.remarks)}
            if different:
                row, column, aspect = cell.key
                changed.append({"row": row, "column": column, "aspect": aspect, **values})
        return changed

    def shown_tokens(self) -> dict:
        """{cell key: token of the value the page showed}, for the cells the post carries one for."""
        return {cell.key: self._shown(cell) for cell in self.cells if self._shown(cell)}

    def _shown(self, cell):
        token = self.data.get(cell_field_name(cell.key, SHOWN), "")
        return token if isinstance(token, str) and TOKEN.fullmatch(token) else ""

    def after_conflict(self, cells, conflicts) -> "SectionForm":
        """The form to show again after a conflict, over `cells` as stored now.

        The cells the user changed keep the values they typed; a conflicting one is marked as shown
        with the value saved now (so that saving it again, having seen both, keeps the user's value) and
        gets both values in `cell.conflict`. The cells the user did not change show what is stored now.
        """
        changed = {(c["row"], c["column"], c["aspect"]) for c in self.changed_cells()}
        by_key = {(c["row"], c["column"], c["aspect"]): c for c in conflicts}
        data = self.data.copy()
        for cell in cells:
            token = cell_token(cell.mark, cell.source, cell.remarks)
            if cell.key not in changed:
                for field in CELL_FIELDS:
                    data[cell_field_name(cell.key, field)] = getattr(cell, field)
                data[cell_field_name(cell.key, SHOWN)] = token
            elif cell.key in by_key:
                data[cell_field_name(cell.key, SHOWN)] = token
        form = SectionForm(data, cells=cells)
        form.full_clean()
        for cell in cells:
            conflict = by_key.get(cell.key)
            if conflict is not None:
                # What is stored now (the page shows it and carries its token).
                conflict = {**conflict, "saved": {f: getattr(cell, f) for f in CELL_FIELDS}}
            cell.conflict = conflict
            if conflict is not None:
                form.add_error(
                    cell_field_name(cell.key, "mark"),
                    _("Changed by someone else since you opened the page: compare your value with the one saved now."),
                )
        return form

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
