from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.languages import language_name
from states.models import State, Treaty

MAX_TEXT = 2000  # longest legal source or remark accepted in a cell


class Mark(models.TextChoices):
    """What the Committee's matrix says of a cell. X is a measure found, not a finding of compliance."""

    YES = "X", _("X: measure taken or legal basis found")
    PARTIAL = "?", _("?: references incomplete or not directly relevant")
    NOT_APPLICABLE = "NA", _("NA: not applicable")
    BLANK = "", _("blank: no information")


class CellColumn(models.TextChoices):
    NW = "NW", _("Nuclear weapons")
    CW = "CW", _("Chemical weapons")
    BW = "BW", _("Biological weapons")
    ALL = "ALL", _("All (OP1)")


class Aspect(models.TextChoices):
    FRAMEWORK = "framework", _("National legal framework")
    ENFORCEMENT = "enforcement", _("Enforcement")


class Regime(models.Model):
    """A reporting regime: resolution 1540 itself, or one of the treaties behind it (CWC, NPT, BWC)."""

    code = models.CharField(_("code"), max_length=10, unique=True)  # "1540", "CWC", "NPT", "BWC"
    name = models.CharField(_("name"), max_length=200)
    treaty = models.ForeignKey(Treaty, null=True, blank=True, on_delete=models.PROTECT, related_name="regimes")
    # The weapon column of the 1540 matrix a checklist of this regime reports into (none for 1540).
    column = models.CharField(_("1540 column"), max_length=3, choices=CellColumn.choices, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("regime")

    def __str__(self):
        return self.code if self.code == "1540" else self.code

    @property
    def slug(self):
        """The regime as written in URLs: 1540, cwc, npt, bwc."""
        return self.code.lower()

    @property
    def is_1540(self):
        return self.code == "1540"


class Template(models.Model):
    """A version of a regime's matrix layout; the Committee revises it, old matrices keep theirs."""

    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="templates")
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["regime__order", "-version"]
        constraints = [models.UniqueConstraint(fields=["regime", "version"], name="unique_template_version")]

    def __str__(self):
        return f"{self.regime} template v{self.version}"


class Section(models.Model):
    """A section of a template: OP1, OP2, OP3(a)(b), OP3(c)(d) for 1540; a category for a checklist."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="sections")
    code = models.CharField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="unique_section_code")]

    def __str__(self):
        return self.label

    @property
    def short(self) -> str:
        return section_short(self.code, self.label)


def section_short(code: str, label) -> str:
    """How a tab or a compact list names a section: the operative paragraph's code (OP1...: a code in
    every language), or for a checklist's category, whose code is an English word, its label (in the
    reader's language)."""
    return code if code.startswith("OP") else str(label)


class Row(models.Model):
    """A row of a template, with a code that stays the same across template versions."""

    class Kind(models.TextChoices):
        OP1 = "op1", _("OP1: one YES cell with relevant information")
        WEAPONS = "weapons", _("NW, CW and BW, each with framework and enforcement")
        CHECKLIST = "checklist", _("checklist item: one cell in the regime's column")

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="rows")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="rows")
    code = models.CharField(_("code"), max_length=60)
    label = models.CharField(_("label"), max_length=300)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(default=0)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    # How sure the source is of this row (matrix_excerpt, resolution_text, memory, design).
    source_status = models.CharField(_("source status"), max_length=40, blank=True)
    note = models.TextField(_("note"), blank=True)
    retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        ordering = ["template", "section__order", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="unique_row_code")]

    def __str__(self):
        return self.code

    def cell_keys(self, regime_column=None):
        """The (column, aspect) pairs of this row's cells."""
        if self.kind == self.Kind.OP1:
            return [(CellColumn.ALL.value, Aspect.FRAMEWORK.value)]
        if self.kind == self.Kind.CHECKLIST:
            return [(regime_column or self.template.regime.column, Aspect.FRAMEWORK.value)]
        return [(column, aspect) for column in ("NW", "CW", "BW") for aspect in Aspect.values]


class Mapping(models.Model):
    """A checklist item counts toward a cell of the 1540 matrix (report once)."""

    source = models.ForeignKey(Row, on_delete=models.CASCADE, related_name="mappings")
    target_code = models.CharField(_("1540 row"), max_length=60)
    column = models.CharField(max_length=3, choices=CellColumn.choices)
    aspect = models.CharField(max_length=12, choices=Aspect.choices)

    class Meta:
        ordering = ["source", "target_code"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target_code", "column", "aspect"], name="unique_mapping")
        ]

    def __str__(self):
        return f"{self.source.code} -> {self.target_code} {self.column}/{self.aspect}"


class MatrixQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one place that decides who sees which matrix version.

        The public (and providers) see published versions; a State official also sees every
        version of their own State; experts and administrators see everything.
        """
        if user is None or not user.is_authenticated:
            return self.filter(status=Matrix.Status.PUBLISHED)
        if user.is_reviewer:
            return self
        if user.is_state_official:
            return self.filter(models.Q(status=Matrix.Status.PUBLISHED) | models.Q(state_id=user.state_id))
        return self.filter(status=Matrix.Status.PUBLISHED)

    def published(self):
        return self.filter(status=Matrix.Status.PUBLISHED)

    def open(self):
        return self.filter(status__in=Matrix.OPEN_STATUSES)


class Matrix(models.Model):
    """One version of a State's implementation matrix for one regime."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        IN_REVIEW = "in_review", _("in review")
        CHANGES_REQUESTED = "changes_requested", _("changes requested")
        APPROVED = "approved", _("approved")
        PUBLISHED = "published", _("published")

    OPEN_STATUSES = [Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED, Status.APPROVED]
    EDITABLE_STATUSES = [Status.DRAFT, Status.CHANGES_REQUESTED]

    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="matrices")
    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="matrices")
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="matrices")
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    prepared_by_expert = models.BooleanField(_("prepared by the Committee's experts"), default=False)
    report_date = models.DateField(_("date of the national report"), null=True, blank=True)
    document = models.FileField(_("national report"), upload_to="reports/%Y/", blank=True)
    # The national report this version was built from. `report_date` and `document` above repeat the
    # cited report's date and file (exports and older links read them); the services keep them equal.
    report = models.ForeignKey(
        "NationalReport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="matrices",
        verbose_name=_("built from the national report"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    review_started_at = models.DateTimeField(_("review started"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent_given_at = models.DateTimeField(_("consent to publish given"), null=True, blank=True)
    # The experts' note for the whole version when they last requested changes.
    review_note = models.TextField(_("note from the reviewers"), max_length=MAX_TEXT, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Goes up by one with every change of the version (its cells, status, consent, report), in the
    # same transaction: the API's ETag, so that a client's write can say which state it was based on.
    revision = models.PositiveIntegerField(_("revision"), default=1, editable=False)
    # The language of the State's entries in this version (its legal sources and remarks), kept as
    # written; a new version takes its predecessor's (portal/core/usertext.py).
    language = models.CharField(_("language of the entries"), max_length=8, default="en")

    objects = MatrixQuerySet.as_manager()

    class Meta:
        ordering = ["state__name", "regime__order", "-version"]
        verbose_name = _("matrix version")
        verbose_name_plural = _("matrix versions")
        constraints = [models.UniqueConstraint(fields=["state", "regime", "version"], name="unique_matrix_version")]
        indexes = [models.Index(fields=["status", "submitted_at"]), models.Index(fields=["regime", "status"])]

    def __str__(self):
        return f"{self.state.iso3} {self.regime.code} v{self.version} ({self.status})"

    def get_absolute_url(self):
        from django.urls import reverse

        if self.is_published:
            return reverse("matrices:published", args=[self.state.iso3, self.regime.slug, self.version])
        return reverse("matrices:workspace", args=[self.pk])

    @property
    def is_editable(self):
        return self.status in self.EDITABLE_STATUSES

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def language_name(self):
        """The name of the language of the entries, in the reader's language."""
        return language_name(self.language)


class Cell(models.Model):
    """One cell of a matrix version. Blank cells with no text are not stored."""

    matrix = models.ForeignKey(Matrix, on_delete=models.CASCADE, related_name="cells")
    row = models.ForeignKey(Row, on_delete=models.PROTECT, related_name="cells")
    column = models.CharField(_("column"), max_length=3, choices=CellColumn.choices)
    aspect = models.CharField(_("aspect"), max_length=12, choices=Aspect.choices)
    mark = models.CharField(_("mark"), max_length=2, choices=Mark.choices, blank=True)
    source = models.TextField(_("legal source"), max_length=MAX_TEXT, blank=True)
    remarks = models.TextField(_("remarks"), max_length=MAX_TEXT, blank=True)
    # Set when the value came from a checklist of another regime (report once).
    derived_from_regime = models.CharField(max_length=10, blank=True)
    derived_from_row = models.CharField(max_length=60, blank=True)
    # The official changed a derived value: later changes of the checklist leave it alone.
    overridden = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["row__section__order", "row__order", "column", "aspect"]
        constraints = [
            models.UniqueConstraint(fields=["matrix", "row", "column", "aspect"], name="unique_cell"),
            models.CheckConstraint(name="cell_mark_allowed", condition=models.Q(mark__in=["X", "?", "NA", ""])),
        ]

    def __str__(self):
        return f"{self.row.code} {self.column}/{self.aspect}: {self.mark or '-'}"

    @property
    def derived_from(self):
        if not self.derived_from_regime:
            return None
        return {"regime": self.derived_from_regime, "row": self.derived_from_row}


class Comment(models.Model):
    """A reviewer's (or the State's) comment on one cell of a matrix version."""

    matrix = models.ForeignKey(Matrix, on_delete=models.CASCADE, related_name="comments")
    row_code = models.CharField(max_length=60)
    column = models.CharField(max_length=3, choices=CellColumn.choices)
    aspect = models.CharField(max_length=12, choices=Aspect.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=MAX_TEXT)
    # The language the comment is written in (portal/core/usertext.py).
    language = models.CharField(_("language"), max_length=8, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    # The comments on one cell are a thread: resolving it marks its open comments resolved; a new
    # comment (unresolved) opens it again. Open while any of its comments is unresolved.
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["matrix", "row_code"])]

    def __str__(self):
        return f"{self.row_code} {self.column}/{self.aspect} by {self.author_id}"

    @property
    def thread_key(self):
        return (self.row_code, self.column, self.aspect)


class ReviewRound(models.Model):
    """The experts asked a version's State for changes: the version's cells as they were then, so that
    the next review shows what changed since (`cells`: {"ROW|COL|aspect": [mark, source, remarks]},
    blank cells left out, as they are not stored)."""

    matrix = models.ForeignKey(Matrix, on_delete=models.CASCADE, related_name="review_rounds")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("changes requested"))
    note = models.TextField(_("note from the reviewers"), max_length=MAX_TEXT, blank=True)
    cells = models.JSONField(_("cells at the time"), default=dict)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("review round")
        indexes = [models.Index(fields=["matrix", "-requested_at"])]

    def __str__(self):
        return f"{self.matrix_id} round of {self.requested_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def cell_key(key) -> str:
        return "|".join(key)


class NationalReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one place that decides who sees which national report.

        The public (and providers) see the reports of a State that has at least one published matrix
        version; a State official also sees every report of their own State; experts see all.
        """
        published = models.Exists(Matrix.objects.filter(state=models.OuterRef("state"), status=Matrix.Status.PUBLISHED))
        if user is None or not user.is_authenticated:
            return self.filter(published)
        if user.is_reviewer:
            return self
        if user.is_state_official:
            return self.filter(published | models.Q(state_id=user.state_id))
        return self.filter(published)


class NationalReport(models.Model):
    """A State's national report to the 1540 Committee: its first one, or an additional one. A State
    reports several times over the years; each matrix version cites the report it was built from."""

    class Kind(models.TextChoices):
        FIRST = "first", _("first report")
        ADDITIONAL = "additional", _("additional report")

    class Language(models.TextChoices):
        """The languages the portal knows documents in (as for assistance requests and plans)."""

        ARABIC = "ar", _("Arabic")
        CHINESE = "zh", _("Chinese")
        ENGLISH = "en", _("English")
        FRENCH = "fr", _("French")
        RUSSIAN = "ru", _("Russian")
        SPANISH = "es", _("Spanish")
        PORTUGUESE = "pt", _("Portuguese")
        DUTCH = "nl", _("Dutch")

    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="national_reports")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ADDITIONAL)
    title = models.CharField(_("title"), max_length=200)
    report_date = models.DateField(_("date of the report"))
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ENGLISH)
    # Stored through the default storage (local disk or an S3-compatible store) under a name the
    # portal gives, never the uploader's.
    document = models.FileField(_("document"), upload_to="reports/%Y/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = NationalReportQuerySet.as_manager()

    class Meta:
        ordering = ["state__name", "-report_date", "-id"]
        verbose_name = _("national report")
        verbose_name_plural = _("national reports")
        indexes = [models.Index(fields=["state", "-report_date"])]

    def __str__(self):
        return f"{self.state.iso3} {self.kind} report of {self.report_date}"
