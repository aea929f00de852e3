"""The Committee experts' pages: the review queue, a version reviewed cell by cell beside the
previous published one, comments, requests for changes, approval, and drafts prepared for States
that have not reported. Experts and administrators only; every change goes through services."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import MultipleObjectsReturned, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from matrices import grid, services
from matrices.forms import cell_anchor
from matrices.models import MAX_TEXT, Aspect, CellColumn, Comment, Matrix, Regime
from portal.accounts import roles
from portal.core.exceptions import DomainError, InvalidInput
from states.models import RegionalGroup, State, TreatyStatus

S = Matrix.Status
QUEUE_PAGE_SIZE = 50

# The tabs of the queue: which statuses each lists, and from when the version has been waiting.
QUEUE_TABS = {
    "waiting": {
        "label": gettext_lazy("Waiting for review"),
        "statuses": [S.SUBMITTED, S.IN_REVIEW],
        "since": "submitted_at",
        "since_label": gettext_lazy("Days waiting"),
    },
    "changes_requested": {
        "label": gettext_lazy("Changes requested"),
        "statuses": [S.CHANGES_REQUESTED],
        "since": "submitted_at",
        "since_label": gettext_lazy("Days since submission"),
    },
    "approved": {
        "label": gettext_lazy("Approved, awaiting consent"),
        "statuses": [S.APPROVED],
        "since": "approved_at",
        "since_label": gettext_lazy("Days awaiting consent"),
    },
}


def reviewer_required(view):
    """Experts and administrators only: the login page for anonymous users, 403 for everyone else."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles.is_reviewer(request.user):
            raise PermissionDenied(_("Only the Committee's experts review matrices."))
        return view(request, *args, **kwargs)

    return wrapper


def _error_page(request, exc: DomainError):
    return render(request, "error.html", {"status": exc.status, "detail": exc.message}, status=exc.status)


# ---------------------------------------------------------------------------------------------
# Forms


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
    def __init__(self, **kwargs):
        super().__init__(
            queryset=RegionalGroup.objects.order_by("name"),
            to_field_name="name",
            required=False,
            label=gettext_lazy("UN regional group"),
            empty_label=gettext_lazy("All regional groups"),
            **kwargs,
        )


class RegimeField(CodeChoiceField):
    def __init__(self, *, required=False, **kwargs):
        super().__init__(
            queryset=Regime.objects.order_by("order"),
            to_field_name="code",
            required=required,
            label=gettext_lazy("Regime"),
            empty_label=None if required else gettext_lazy("All regimes"),
            **kwargs,
        )


class ListedChoicesForm(forms.Form):
    """Reads each list of choices once (a select in a template would count it, then read it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.choices = list(iter(field.choices))  # iter(): list() would ask len(), a COUNT


class QueueFilterForm(ListedChoicesForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Show"),
        choices=[(key, tab["label"]) for key, tab in QUEUE_TABS.items()],
        required=False,
    )
    region = RegionField()
    regime = RegimeField()


class UnreportedFilterForm(ListedChoicesForm):
    regime = RegimeField(required=True)
    region = RegionField()


class StateField(CodeChoiceField):
    """A State by its ISO alpha-3 code, in any case; shown as a list of names."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=State.objects.order_by("name"),
            to_field_name="iso3",
            label=gettext_lazy("State"),
            empty_label=gettext_lazy("Choose a State"),
            **kwargs,
        )

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.iso3})"


class PrepareForm(ListedChoicesForm):
    state = StateField()
    regime = RegimeField(required=True)


class CommentForm(forms.Form):
    cell = forms.ChoiceField(label=gettext_lazy("Cell"))
    body = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Write a comment.")},
    )

    def __init__(self, *args, specs, **kwargs):
        super().__init__(*args, **kwargs)
        columns, aspects = dict(CellColumn.choices), dict(Aspect.choices)
        # Grouped by section, for the page; the field itself validates against the flat list.
        self.cell_groups = {}
        choices = [("", _("Choose a cell"))]
        for spec in specs:
            label = f"{spec.row.code}: {spec.row.label}"
            if spec.row.kind == spec.row.Kind.WEAPONS:
                label = f"{label} · {columns[spec.column]} · {aspects[spec.aspect]}"
            choices.append(("|".join(spec.key), label))
            self.cell_groups.setdefault(spec.row.section.label, []).append(choices[-1])
        self.fields["cell"].choices = choices

    def cell_key(self):
        return tuple(self.cleaned_data["cell"].split("|"))


class RequestChangesForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note to the State (optional)"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# ---------------------------------------------------------------------------------------------
# The queue


@reviewer_required
@require_safe
def review_queue(request):
    """Versions waiting for an expert, oldest submission first; tabs for the other open statuses."""
    form = QueueFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "matrices/review/queue.html",
            {"form": form, "tabs": [], "page": None, "tab": QUEUE_TABS["waiting"]},
            status=400,
        )
    tab_key = form.cleaned_data["status"] or "waiting"
    tab = QUEUE_TABS[tab_key]
    filtered = Matrix.objects.filter(status__in=[s for t in QUEUE_TABS.values() for s in t["statuses"]])
    if form.cleaned_data["region"]:
        filtered = filtered.filter(state__region=form.cleaned_data["region"])
    if form.cleaned_data["regime"]:
        filtered = filtered.filter(regime=form.cleaned_data["regime"])
    per_status = dict(filtered.order_by().values_list("status").annotate(n=Count("id")))
    versions = (
        filtered.filter(status__in=tab["statuses"])
        .select_related("state__region", "regime")
        .annotate(comment_count=Count("comments"))
        .order_by(F(tab["since"]).asc(nulls_last=True), "pk")
    )
    paginator = Paginator(versions, QUEUE_PAGE_SIZE)
    # The tab counts already give the total: no COUNT query for the paginator.
    paginator.count = sum(per_status.get(s, 0) for s in tab["statuses"])
    page = paginator.get_page(request.GET.get("page"))
    now = timezone.now()
    for matrix in page.object_list:
        since = getattr(matrix, tab["since"])
        matrix.days_waiting = (now - since).days if since else None
    query = request.GET.copy()
    query.pop("page", None)
    tabs = []
    for key, info in QUEUE_TABS.items():
        query["status"] = key
        tabs.append(
            {
                "key": key,
                "label": info["label"],
                "count": sum(per_status.get(s, 0) for s in info["statuses"]),
                "query": query.urlencode(),
                "active": key == tab_key,
            }
        )
    query["status"] = tab_key
    context = {"form": form, "tab": tab, "tab_key": tab_key, "tabs": tabs, "page": page, "query": query.urlencode()}
    return render(request, "matrices/review/queue.html", context)


@reviewer_required
@require_safe
def unreported(request):
    """States with no version at all of a regime's matrix: candidates for a draft prepared by experts."""
    form = UnreportedFilterForm(request.GET if "regime" in request.GET else {**request.GET.dict(), "regime": "1540"})
    if not form.is_valid():
        return render(request, "matrices/review/unreported.html", {"form": form, "states": None}, status=400)
    regime = form.cleaned_data["regime"]
    states = State.objects.exclude(pk__in=Matrix.objects.filter(regime=regime).values("state_id"))
    if form.cleaned_data["region"]:
        states = states.filter(region=form.cleaned_data["region"])
    states = states.select_related("region").order_by("name")
    show_treaty = bool(regime.treaty_id and not regime.is_1540)
    if show_treaty:
        states = states.prefetch_related(
            Prefetch(
                "treaty_statuses",
                queryset=TreatyStatus.objects.filter(treaty_id=regime.treaty_id),
                to_attr="regime_treaty_statuses",
            )
        )
    states = list(states)
    for state in states:
        statuses = getattr(state, "regime_treaty_statuses", [])
        state.regime_treaty_status = statuses[0] if statuses else None
    return render(
        request,
        "matrices/review/unreported.html",
        {"form": form, "states": states, "regime": regime, "show_treaty": show_treaty},
    )


# ---------------------------------------------------------------------------------------------
# One version, cell by cell


def _previous_published(matrix):
    return (
        Matrix.objects.filter(
            state_id=matrix.state_id, regime_id=matrix.regime_id, status=S.PUBLISHED, version__lt=matrix.version
        )
        .order_by("-version")
        .first()
    )


def _review_page(request, matrix, *, specs=None, comment_form=None, changes_form=None, status=200):
    specs = specs if specs is not None else services.layout(matrix.template)
    previous = _previous_published(matrix)
    comments = list(Comment.objects.filter(matrix=matrix).select_related("author"))
    sections = grid.build(matrix, compare_with=previous, comments=comments, specs=specs)
    columns, aspects = dict(CellColumn.choices), dict(Aspect.choices)
    changed_only = previous is not None and request.GET.get("changed") == "1"
    changed_count = 0
    shown_sections = []
    for section in sections:
        shown_rows = []
        for row in section.rows:
            for cell in row.cells:
                cell.anchor = cell_anchor(cell.key)
                cell.column_label = columns.get(cell.spec.column, cell.spec.column)
                cell.aspect_label = aspects.get(cell.spec.aspect, cell.spec.aspect)
                cell.single = row.row.kind != row.row.Kind.WEAPONS
                changed_count += cell.changed
            row.shown_cells = [cell for cell in row.cells if cell.changed] if changed_only else row.cells
            if row.shown_cells:
                shown_rows.append(row)
        section.shown_rows = shown_rows
        if shown_rows:
            shown_sections.append(section)
    selected = request.GET.get("cell", "")
    reviewable = matrix.status in (S.SUBMITTED, S.IN_REVIEW)
    context = {
        "matrix": matrix,
        "previous": previous,
        "sections": shown_sections,
        "changed_only": changed_only,
        "changed_count": changed_count,
        "comment_count": len(comments),
        "comment_form": comment_form or CommentForm(specs=specs, initial={"cell": selected}),
        "changes_form": changes_form or RequestChangesForm(),
        "reviewable": reviewable,
        "commentable": not matrix.is_published,
        "can_edit": services.can_edit(request.user, matrix),
        "workspace_url": reverse("matrices:workspace", args=[matrix.pk]),
    }
    return render(request, "matrices/review/review.html", context, status=status)


def _matrix_or_error(request, pk):
    """(matrix, None), or (None, an error page) when the user may not see it."""
    try:
        return services.get_visible(request.user, pk), None
    except DomainError as exc:
        return None, _error_page(request, exc)


def _after_error(request, matrix, exc: DomainError):
    """A refused action: 403/404 as a page; anything else (409, 400) as a message on the review page."""
    if exc.status in (403, 404):
        return _error_page(request, exc)
    messages.error(request, exc.message)
    return redirect("matrices:review", pk=matrix.pk)


@reviewer_required
@require_safe
def review(request, pk):
    matrix, error = _matrix_or_error(request, pk)
    if error:
        return error
    return _review_page(request, matrix)


@reviewer_required
@require_POST
def review_comment(request, pk):
    matrix, error = _matrix_or_error(request, pk)
    if error:
        return error
    specs = services.layout(matrix.template)
    form = CommentForm(request.POST, specs=specs)
    if form.is_valid():
        row, column, aspect = form.cell_key()
        try:
            services.add_comment(
                matrix, row=row, column=column, aspect=aspect, body=form.cleaned_data["body"], acting_user=request.user
            )
        except InvalidInput as exc:
            for field, errors in exc.errors.items():
                for message in errors:
                    form.add_error("cell" if field == "row" else field if field in form.fields else None, message)
        except DomainError as exc:
            return _after_error(request, matrix, exc)
        else:
            messages.success(request, _("Your comment on %(row)s was added.") % {"row": row})
            return redirect(reverse("matrices:review", args=[matrix.pk]) + "#" + cell_anchor((row, column, aspect)))
    return _review_page(request, matrix, specs=specs, comment_form=form, status=400)


@reviewer_required
@require_POST
def request_changes(request, pk):
    matrix, error = _matrix_or_error(request, pk)
    if error:
        return error
    form = RequestChangesForm(request.POST)
    if not form.is_valid():
        return _review_page(request, matrix, changes_form=form, status=400)
    try:
        services.request_changes(matrix, acting_user=request.user, comment=form.cleaned_data["note"])
    except DomainError as exc:
        return _after_error(request, matrix, exc)
    messages.success(
        request,
        _("Changes requested: %(state)s sees your comments where it edits version %(v)s.")
        % {"state": matrix.state.name, "v": matrix.version},
    )
    return redirect("matrices:review", pk=matrix.pk)


@reviewer_required
@require_POST
def approve(request, pk):
    matrix, error = _matrix_or_error(request, pk)
    if error:
        return error
    try:
        matrix = services.approve(matrix, acting_user=request.user)
    except DomainError as exc:
        return _after_error(request, matrix, exc)
    if matrix.is_published:
        messages.success(request, _("Approved and published: the State had already consented."))
    else:
        messages.success(request, _("Approved: it will be published once the State consents."))
    return redirect("matrices:review", pk=matrix.pk)


# ---------------------------------------------------------------------------------------------
# Drafts prepared by the experts


@reviewer_required
@require_http_methods(["GET", "HEAD", "POST"])
def prepare(request):
    """An expert starts a draft for a State that has not reported, from official information."""
    status = 200
    if request.method == "POST":
        form = PrepareForm(request.POST)
        if form.is_valid():
            try:
                matrix = services.start_draft(
                    form.cleaned_data["state"], form.cleaned_data["regime"], acting_user=request.user
                )
            except DomainError as exc:
                if exc.status in (403, 404):
                    return _error_page(request, exc)
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Draft %(regime)s v%(v)s prepared for %(state)s.")
                    % {"regime": matrix.regime.code, "v": matrix.version, "state": matrix.state.name},
                )
                return redirect("matrices:workspace", pk=matrix.pk)
        else:
            status = 400
    else:
        initial = {key: request.GET[key].upper() for key in ("state", "regime") if request.GET.get(key)}
        form = PrepareForm(initial=initial)
    return render(request, "matrices/review/prepare.html", {"form": form}, status=status)


urlpatterns = [
    path("review/", review_queue, name="review_queue"),
    path("review/states/", unreported, name="unreported"),
    path("review/prepare/", prepare, name="prepare"),
    path("review/<int:pk>/", review, name="review"),
    path("review/<int:pk>/comment/", review_comment, name="review_comment"),
    path("review/<int:pk>/request-changes/", request_changes, name="request_changes"),
    path("review/<int:pk>/approve/", approve, name="approve"),
]
