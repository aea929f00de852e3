"""National implementation action plans: what a State plans to do, item by item, linked to the cells
of its matrix and to the assistance it asks for. Versioned and consent-gated like matrices."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from states.models import State

MAX_TEXT = 4000


class PlanQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Plan.Status.PUBLISHED)

    def visible_to(self, user):
        """The one place that decides who sees which plan version: the public the published ones; a
        State's officials also their State's drafts and submitted versions; the Committee's experts
        and administrators the submitted and published ones of every State, and the drafts too."""
        published = Q(status=Plan.Status.PUBLISHED)
        if user is None or not user.is_authenticated:
            return self.filter(published)
        if user.is_reviewer:
            return self
        if user.is_state_official:
            return self.filter(published | Q(state_id=user.state_id))
        return self.filter(published)


class Plan(models.Model):
    """One version of a State's national implementation action plan.

    `draft` (the State writes it) → `submitted` (shared with the Committee, whose experts comment;
    the State may take it back to draft) → `published` once the State consents. A published
    version never changes: the next one is a new draft copied from it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("shared with the Committee")
        PUBLISHED = "published", _("published")

    state = models.ForeignKey(State, verbose_name=_("State"), on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("title"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), max_length=MAX_TEXT)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period until"), null=True, blank=True)
    # A plan kept as a document (many States write theirs in Word): the file and its language.
    document = models.FileField(_("plan document"), upload_to="plans/%Y/", blank=True)
    document_name = models.CharField(_("document name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("shared with the Committee"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    consent_given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["state__name", "-version"]
        verbose_name = _("national implementation action plan")
        constraints = [
            models.UniqueConstraint(fields=["state", "version"], name="unique_plan_version"),
            models.CheckConstraint(
                name="plan_period_order",
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
            ),
        ]
        indexes = [models.Index(fields=["status", "state"])]

    def __str__(self):
        return f"{self.state.iso3} plan v{self.version} ({self.status})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("plans:public_version", args=[self.state.iso3, self.version])

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT


def _new_key() -> str:
    import uuid

    return uuid.uuid4().hex


class PlanItem(models.Model):
    """One measure of a plan: the matrix cells it addresses, who leads, by when, how far it is, and
    whether assistance is needed (then the request started from it)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        UNDER_WAY = "under_way", _("under way")
        DONE = "done", _("done")
        STALLED = "stalled", _("stalled")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    # The same measure keeps its key from one version to the next (the diff pairs items by it).
    key = models.CharField(max_length=32, default=_new_key, editable=False)
    order = models.PositiveIntegerField(default=0)
    measure = models.TextField(_("measure"), max_length=MAX_TEXT)
    # [{"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}, ...]: cells of the State's matrices.
    cells = models.JSONField(_("matrix cells"), default=list, blank=True)
    lead_agency = models.CharField(_("lead agency"), max_length=200, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    assistance_needed = models.BooleanField(_("assistance needed"), default=False)
    request = models.ForeignKey(
        "assistance.AssistanceRequest",
        verbose_name=_("assistance request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_items",
    )

    class Meta:
        ordering = ["plan", "order", "id"]

    def __str__(self):
        return self.measure[:60]


class PlanComment(models.Model):
    """A Committee expert's comment on a plan version, on the whole plan or on one item; the State replies."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="comments")
    # An item deleted from a reopened draft leaves its comments on the plan.
    item = models.ForeignKey(PlanItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=MAX_TEXT)
    # The language the comment is written in (portal/core/usertext.py); an item's text is in its plan's.
    language = models.CharField(_("language"), max_length=8, default="en")
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["plan", "created_at", "id"]

    def __str__(self):
        return f"comment {self.pk} on plan {self.plan_id}"
