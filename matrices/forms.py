"""The forms of the matrices pages: the State's workspace, the experts' review and the public pages.

They parse what the browser sends; the services decide what is valid (a mark of X needs a source, NA
needs a reason, plain text only), and their errors are put back next to the field they are about.
Every form is a `PortalForm`, rendered field by field with `templates/includes/field.html`.
"""

import re
from types import SimpleNamespace

from django import forms
from django.conf import settings
from django.core.exceptions import MultipleObjectsReturned, ValidationError
from django.utils.translation import gettext_lazy as _

from matrices.models import MAX_TEXT, Aspect, CellColumn, NationalReport, Regime
from matrices.services import cell_token
from portal.core.collation import CollatedModelChoiceIterator
from portal.core.forms import PortalForm
from portal.core.templatetags.portal_tags import day
from states.models import RegionalGroup, State

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


# ---------------------------------------------------------------------------------------------
# The workspace


class _CellBoundField(forms.BoundField):
    """A cell's field, known by its widget's id (`cell-OP2-MANUFACTURE-CW-framework-mark`): its label,
    help and errors are tied to that id (`<id>-error`), a valid one in URLs and CSS."""

    @property
    def auto_id(self):
        return self.field.widget.attrs["id"]


class CellField(forms.CharField):
    """One value of one cell. No max_length: the services say what is too long, with the same message
    everywhere."""

    def get_bound_field(self, form, field_name):
        return _CellBoundField(form, self, field_name)


class SectionForm(PortalForm):
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
            for field in CELL_FIELDS:
                self.fields[cell_field_name(cell.key, field)] = CellField(
                    label=labels[field],
                    required=False,
                    initial=getattr(cell, field),
                    # The template writes the inputs out (hundreds per section); the widget carries the id.
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


# The most cells one autosave may carry (a bulk action over one column of the largest section).
MAX_SAVED_CELLS = 500


class CellSaveForm(PortalForm):
    """One cell saved from the section grid (its autosave): where it is, its values, and the token of
    the value the grid showed (as in SectionForm). The services validate the values themselves."""

    row = forms.CharField(max_length=60)
    column = forms.CharField(max_length=3)
    aspect = forms.CharField(max_length=12)
    # No max_length: the services say what is too long, with the same message everywhere.
    mark = forms.CharField(required=False)
    source = forms.CharField(required=False, strip=False)
    remarks = forms.CharField(required=False, strip=False)
    shown = forms.CharField(required=False)

    def clean_shown(self):
        token = self.cleaned_data.get("shown") or ""
        return token if TOKEN.fullmatch(token) else ""

    @property
    def key(self):
        return (self.cleaned_data["row"], self.cleaned_data["column"], self.cleaned_data["aspect"])

    def change(self) -> dict:
        """The cell as `services.update_cells` takes it (call on a valid form)."""
        data = self.cleaned_data
        values = {f: _lf(data.get(f)) for f in CELL_FIELDS}
        return {"row": data["row"], "column": data["column"], "aspect": data["aspect"], **values}

    @classmethod
    def from_post(cls, data) -> list["CellSaveForm"]:
        """One form per cell posted: each field once (one cell) or repeated in the same order (several)."""
        names = ("row", "column", "aspect", "mark", "source", "remarks", "shown")
        lists = {name: data.getlist(name) for name in names}
        count = len(lists["row"])
        if not 0 < count <= MAX_SAVED_CELLS or any(len(lists[n]) not in (0, count) for n in names):
            return []
        return [cls({n: lists[n][i] for n in names if lists[n]}) for i in range(count)]


class StartDraftForm(PortalForm):
    """Start a new draft of a regime; experts also say for which State."""

    regime = forms.CharField(label=_("Regime"), max_length=10)
    state = forms.CharField(label=_("State (ISO alpha-3)"), max_length=3, required=False)


class ConsentForm(PortalForm):
    consent = forms.TypedChoiceField(
        label=_("Consent to publish"),
        choices=[("1", _("Give consent")), ("0", _("Withdraw consent"))],
        coerce=lambda value: value == "1",
    )


class DocumentForm(PortalForm):
    """A new national report of the State, which the version then cites. Its type and size are
    checked by `matrices.reports.upload`; a blank title or kind is chosen there."""

    document = forms.FileField(
        label=_("National report (PDF or Word)"),
        widget=forms.FileInput(
            attrs={
                "accept": ".pdf,.doc,.docx,application/pdf,application/msword,"
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        ),
    )
    report_date = forms.DateField(
        label=_("Date of the national report"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        help_text=_("Leave blank to name it after the State and the kind of report."),
    )
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=NationalReport.Language.choices, initial="en"
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("automatic (first or additional)")), *NationalReport.Kind.choices],
        help_text=_("Automatic: the State's first report if it has none yet, else an additional one."),
    )

    def clean_language(self):
        return self.cleaned_data["language"] or NationalReport.Language.ENGLISH

    def clean_kind(self):
        return self.cleaned_data["kind"] or None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].help_text = _("A .pdf, .doc or .docx file of at most %(max)s MB.") % {
            "max": settings.MAX_UPLOAD_MB
        }
        self._describe("document", self.fields["document"])


class CiteReportForm(PortalForm):
    """Which of the State's national reports the version was built from."""

    report = forms.TypedChoiceField(label=_("This version is built from"), coerce=int)

    def __init__(self, *args, reports=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].choices = [
            (report.pk, f"{report.title} ({day(report.report_date)}, {report.get_kind_display()})")
            for report in reports
        ]


class EntriesLanguageForm(PortalForm):
    """The language the State's entries of a version (legal sources, remarks) are written in."""

    language = forms.ChoiceField(label=_("Language of our entries"), choices=NationalReport.Language.choices)

    def __init__(self, *args, **kwargs):
        # Its own ids: the national report's form on the same page has a `language` too.
        kwargs.setdefault("auto_id", "entries_%s")
        super().__init__(*args, **kwargs)


class ReplyForm(PortalForm):
    """A comment on one cell from the workspace (an official's answer, or a new comment next to the
    cells): by row, column and aspect, or all three in `cell` (`row|column|aspect`)."""

    row = forms.CharField(max_length=60, required=False)
    column = forms.CharField(max_length=3, required=False)
    aspect = forms.CharField(max_length=12, required=False)
    cell = forms.CharField(label=_("Cell"), max_length=100, required=False)
    # The services check the length and the content: their message is shown next to the field.
    body = forms.CharField(label=_("Comment"), required=False, strip=True, widget=forms.Textarea(attrs={"rows": 3}))
    next = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, cells=None, **kwargs):
        """With `cells` (a section's `CellView`s), the form to show: the cell chosen from their list."""
        super().__init__(*args, **kwargs)
        if cells is not None:
            self.fields["cell"].widget = forms.Select(
                attrs={"class": "form-select"}, choices=[(cell.cell_value, cell.context) for cell in cells]
            )
            self.fields["body"].widget.attrs["rows"] = 2

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


# ---------------------------------------------------------------------------------------------
# The experts' review

# The tabs of the review queue, by key; what each lists is in matrices.selectors.QUEUE_TABS.
QUEUE_STATUSES = [
    ("waiting", _("Waiting for review")),
    ("changes_requested", _("Changes requested")),
    ("approved", _("Approved, awaiting consent")),
]


class CodeChoiceField(forms.ModelChoiceField):
    """A reference object by its code, in any case (`jam`, `JAM`; `cwc`, `CWC`)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.queryset.get(**{f"{self.to_field_name}__iexact": str(value).strip()})
        except (ValueError, TypeError, self.queryset.model.DoesNotExist, MultipleObjectsReturned):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


class RegionField(CodeChoiceField):
    """A UN regional group by its English name (`African`, `GRULAC`) whatever the reader's language."""

    iterator = CollatedModelChoiceIterator

    def __init__(self, **kwargs):
        super().__init__(
            queryset=RegionalGroup.objects.order_by("name"),
            to_field_name="name_en",
            required=False,
            label=_("UN regional group"),
            empty_label=_("All regional groups"),
            **kwargs,
        )


class RegimeField(CodeChoiceField):
    def __init__(self, *, required=False, **kwargs):
        super().__init__(
            queryset=Regime.objects.order_by("order"),
            to_field_name="code",
            required=required,
            label=_("Regime"),
            empty_label=None if required else _("All regimes"),
            **kwargs,
        )


class StateField(CodeChoiceField):
    """A State by its ISO alpha-3 code, in any case; shown as a list of names in the reader's order."""

    iterator = CollatedModelChoiceIterator

    def __init__(self, **kwargs):
        super().__init__(
            queryset=State.objects.order_by("name"),
            to_field_name="iso3",
            label=_("State"),
            empty_label=_("Choose a State"),
            **kwargs,
        )

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.iso3})"


class QueueFilterForm(PortalForm):
    status = forms.ChoiceField(label=_("Show"), choices=QUEUE_STATUSES, required=False, widget=forms.HiddenInput)
    region = RegionField()
    regime = RegimeField()


class UnreportedFilterForm(PortalForm):
    regime = RegimeField(required=True)
    region = RegionField()


class PrepareForm(PortalForm):
    state = StateField()
    regime = RegimeField(required=True)


class PickStateForm(PortalForm):
    """Which State's page an expert opens (`?state=ISO3`)."""

    state = StateField()


class CellCommentForm(PortalForm):
    """An expert's comment on one cell of the version under review, the cell chosen from a list
    grouped by section."""

    cell = forms.ChoiceField(label=_("Cell"), widget=forms.Select(attrs={"class": "form-select-sm"}))
    body = forms.CharField(
        label=_("Comment"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a comment.")},
    )

    def __init__(self, *args, specs, **kwargs):
        super().__init__(*args, **kwargs)
        columns, aspects = dict(CellColumn.choices), dict(Aspect.choices)
        groups = {}
        for spec in specs:
            label = f"{spec.row.code}: {spec.row.label}"
            if spec.row.kind == spec.row.Kind.WEAPONS:
                label = f"{label} · {columns[spec.column]} · {aspects[spec.aspect]}"
            groups.setdefault(spec.row.section.label, []).append(("|".join(spec.key), label))
        self.fields["cell"].choices = [("", _("Choose a cell")), *groups.items()]

    # Where the expert was (the section and view of the review page): the page to come back to.
    section = forms.CharField(max_length=60, required=False, widget=forms.HiddenInput)
    view = forms.CharField(max_length=20, required=False, widget=forms.HiddenInput)

    def cell_key(self):
        return tuple(self.cleaned_data["cell"].split("|"))


class ThreadForm(PortalForm):
    """Resolve or reopen the comment thread of one cell (`row|column|aspect`); the services say whether
    the cell exists. `section` and `view` (review page) or `next` (workspace) say where to go back."""

    cell = forms.RegexField(regex=r"^[^|]{1,60}\|[A-Z]{2,3}\|[a-z]{1,12}$", max_length=80)
    action = forms.ChoiceField(choices=[("resolve", _("Resolve")), ("reopen", _("Reopen"))])
    section = forms.CharField(max_length=60, required=False)
    view = forms.CharField(max_length=20, required=False)
    next = forms.CharField(max_length=500, required=False)

    def cell_key(self):
        return tuple(self.cleaned_data["cell"].split("|"))


class RequestChangesForm(PortalForm):
    note = forms.CharField(
        label=_("Note to the State (optional)"),
        max_length=MAX_TEXT,
        required=False,
        help_text=_("The State sees this note on the version and your cell comments where it edits."),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control-sm"}),
    )


# ---------------------------------------------------------------------------------------------
# The public pages

REGIMES = [("1540", "1540"), ("cwc", "CWC"), ("npt", "NPT"), ("bwc", "BWC")]
SEARCH_MIN, SEARCH_MAX = 3, 100


class StateSelect(forms.Select):
    """A list of States, each option saying which regimes the State has published (`data-regimes`);
    those without the `regime` chosen are hidden and disabled (static/js/public_compare.js shows the
    right ones again when another regime is chosen)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.regimes, self.regime = {}, None

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        regimes = self.regimes.get(value)
        if regimes is not None:
            option["attrs"]["data-regimes"] = " ".join(regimes)
            if self.regime and self.regime not in regimes and not selected:
                option["attrs"].update(hidden=True, disabled=True)
        return option


class CompareForm(PortalForm):
    """Two States and a regime. The States offered are those with a published matrix (`states`, read
    once by the view: objects with `iso3`, `name` and the `regimes` they have published), and of
    them only those with one of the regime chosen (`regime` when the form is not bound)."""

    ONLY_CHOICES = [
        ("", _("All cells")),
        ("on", _("Only the cells that differ")),
        ("marks", _("Only the cells whose mark differs")),
    ]

    regime = forms.ChoiceField(label=_("Regime"), choices=REGIMES, initial="1540")
    a = forms.ChoiceField(label=_("First State"), widget=StateSelect)
    b = forms.ChoiceField(label=_("Second State"), widget=StateSelect)
    only = forms.ChoiceField(label=_("Cells shown"), choices=ONLY_CHOICES, required=False)

    def __init__(self, data, states, *, initial=None):
        if data is not None:
            data = data.copy()
            for name in ("a", "b"):
                if data.get(name):
                    data[name] = data[name].strip().upper()
            if data.get("regime"):
                data["regime"] = data["regime"].strip().lower()
        super().__init__(data, initial=initial)
        self.regimes = {state.iso3: state.regimes for state in states}
        self.names = {state.iso3: state.name for state in states}
        chosen = (data or {}).get("regime") or self.initial.get("regime")
        if chosen not in dict(REGIMES):
            chosen = self.fields["regime"].initial
        choices = [("", _("Choose a State"))] + [(state.iso3, state.name) for state in states]
        for name in ("a", "b"):
            self.fields[name].choices = choices
            self.fields[name].widget.regimes = self.regimes
            self.fields[name].widget.regime = chosen
        self.published_in_regime = sum(chosen in regimes for regimes in self.regimes.values())

    def clean(self):
        cleaned = super().clean()
        regime = cleaned.get("regime")
        for name in ("a", "b"):
            iso3 = cleaned.get(name)
            if iso3 and regime and regime not in self.regimes.get(iso3, ()):
                self.add_error(
                    name,
                    _("%(state)s has no published %(regime)s matrix.")
                    % {"state": self.names[iso3], "regime": dict(REGIMES)[regime]},
                )
        if cleaned.get("a") and cleaned.get("a") == cleaned.get("b"):
            self.add_error("b", _("Choose a different State; to compare versions of one State, open its version diff."))
        return cleaned


class VersionsForm(PortalForm):
    """The two published versions to compare, listed from `versions`, with those compared chosen.

    Only shown: the view reads `?from=` and `?to=` itself, to say exactly what is wrong with them."""

    def __init__(self, versions, *, older=None, newer=None):
        initial = {"from": older.version if older else None, "to": newer.version if newer else None}
        super().__init__(initial=initial)
        choices = [(v.version, f"v{v.version} ({day(v.published_at)})") for v in versions]
        self.fields["from"] = forms.TypedChoiceField(label=_("From version"), choices=choices, coerce=int)
        self.fields["to"] = forms.TypedChoiceField(label=_("To version"), choices=choices, coerce=int)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select"
            self._describe(name, field)


class SearchForm(PortalForm):
    """The text searched for, and the State, regime and UN regional group the results may be narrowed
    to; the States (objects with `iso3` and `name`) and the groups' names are read once by the view."""

    q = forms.CharField(
        label=_("Legal source or remark"),
        min_length=SEARCH_MIN,
        max_length=SEARCH_MAX,
        strip=True,
        widget=forms.SearchInput(attrs={"placeholder": _("e.g. Chemical Weapons Act")}),
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    regime = forms.ChoiceField(label=_("Regime"), choices=[("", _("All regimes")), *REGIMES], required=False)
    region = forms.ChoiceField(label=_("UN regional group"), required=False)

    def __init__(self, data, *, states=(), regions=()):
        if data is not None:
            data = data.copy()
            if data.get("state"):
                data["state"] = data["state"].strip().upper()
            if data.get("regime"):
                data["regime"] = data["regime"].strip().lower()
        super().__init__(data)
        self.fields["state"].choices = [("", _("All States"))] + [(state.iso3, state.name) for state in states]
        self.fields["region"].choices = [("", _("All regional groups"))] + list(regions)
