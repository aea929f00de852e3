from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from states.models import RegionalGroup, State

MAX_TEXT = 4000


class Column(models.TextChoices):
    """The weapon columns of the 1540 matrix, plus means of delivery for assistance."""

    NW = "NW", _("Nuclear weapons")
    CW = "CW", _("Chemical weapons")
    BW = "BW", _("Biological weapons")
    MD = "MD", _("Means of delivery")


class AssistanceArea(models.Model):
    """A subject area of assistance (one request template per area), keyed to the resolution."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=200)
    operative_paragraphs = models.JSONField(_("operative paragraphs"), default=list)
    columns = models.JSONField(_("weapon columns"), default=list)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["label"]
        verbose_name = _("area of assistance")
        verbose_name_plural = _("areas of assistance")

    def __str__(self):
        return self.label


class Provider(models.Model):
    """An organisation or State that offers assistance, with the profile requests are matched on."""

    class Kind(models.TextChoices):
        INTERNATIONAL = "international_organization", _("international organisation")
        REGIONAL = "regional_organization", _("regional organisation")
        NGO = "non_governmental_organization", _("non-governmental organisation")
        STATE = "state", _("State")

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    columns = models.JSONField(_("weapon columns"), default=list)
    areas = models.ManyToManyField(AssistanceArea, verbose_name=_("areas"), related_name="providers", blank=True)
    serves_all_regions = models.BooleanField(_("serves every region"), default=False)
    regions = models.ManyToManyField(RegionalGroup, verbose_name=_("regions"), related_name="providers", blank=True)
    languages = models.JSONField(_("languages"), default=list)
    note = models.TextField(_("note"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    # Optional: matched requests are also POSTed here, signed with HMAC-SHA256 of the body.
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(_("webhook secret"), max_length=100, blank=True)
    active = models.BooleanField(_("receives requests"), default=True)
    # The treaty it is the organisation of (OPCW: CWC...); only its offers may claim that mandate.
    mandate = models.CharField(_("treaty mandate"), max_length=4, blank=True)
    # True once the provider's staff have confirmed or edited one of its offers (assistance.offers), or
    # an administrator says so; never set by `load_reference`. Routing reads each offer's own flag.
    confirmed = models.BooleanField(
        _("profile confirmed by the provider"),
        default=False,
        help_text=_("The provider has confirmed its profile (columns, areas, regions, languages)."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("assistance provider")

    def __str__(self):
        return self.name


class AssistanceType(models.TextChoices):
    LEGISLATIVE_DRAFTING = "legislative_drafting", _("Legislative drafting")
    TRAINING = "training", _("Training")
    EQUIPMENT = "equipment", _("Equipment")
    EXPERT_ADVICE = "expert_advice", _("Expert advice")
    WORKSHOP = "workshop", _("Workshop")


class Mandate(models.TextChoices):
    """The treaty an organisation holds the mandate for: its own treaty's requests are its to answer."""

    CWC = "CWC", _("Chemical Weapons Convention (OPCW)")
    BWC = "BWC", _("Biological Weapons Convention (BWC ISU)")
    NPT = "NPT", _("NPT and nuclear security (IAEA)")
    R1540 = "1540", _("Resolution 1540 (UNODA and the 1540 Committee)")


# The weapon column each treaty's mandate covers (resolution 1540's covers them all).
MANDATE_COLUMNS = {"CWC": {"CW"}, "BWC": {"BW"}, "NPT": {"NW"}, "1540": {"NW", "CW", "BW", "MD"}}


class OfferQuerySet(models.QuerySet):
    def current(self, day=None):
        """Published offers valid on `day` (today by default) of providers that receive requests."""
        from django.utils import timezone

        day = day or timezone.localdate()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            status=Offer.Status.PUBLISHED,
            provider__active=True,
        )

    def visible_to(self, user):
        """The public sees current published offers; provider staff also all of their own; experts all."""
        current = self.current()
        if user is None or not user.is_authenticated:
            return current
        if user.is_reviewer:
            return self
        if user.is_provider_staff and user.provider_id:
            return self.filter(Q(pk__in=current.values("pk")) | Q(provider_id=user.provider_id))
        return current


class Offer(models.Model):
    """What a provider offers: the unit requests are matched on. Owned and edited by the provider.

    The reference profiles become initial offers marked unconfirmed (`confirmed` false) until the
    provider confirms or edits them; pages and the API say so wherever they show one."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Period(models.TextChoices):
        MONTH = "month", _("per month")
        QUARTER = "quarter", _("per quarter")
        YEAR = "year", _("per year")

    provider = models.ForeignKey(Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="offers")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=MAX_TEXT)
    # The language its title and description are written in (not the languages it works in, below).
    language = models.CharField(_("language of the text"), max_length=8, default="en")
    areas = models.ManyToManyField(AssistanceArea, verbose_name=_("areas"), related_name="offers")
    columns = models.JSONField(_("weapon columns"), default=list)
    assistance_types = models.JSONField(_("types of assistance"), default=list)
    languages = models.JSONField(_("languages"), default=list)
    # Eligibility: empty everywhere = every State; otherwise a State qualifies through any of them.
    eligible_regions = models.ManyToManyField(
        RegionalGroup, verbose_name=_("UN regional groups"), related_name="+", blank=True
    )
    eligible_organizations = models.ManyToManyField(
        "states.RegionalOrganization", verbose_name=_("members of"), related_name="offers", blank=True
    )
    eligible_states = models.ManyToManyField(State, verbose_name=_("States"), related_name="+", blank=True)
    # Codes of regional organisations whose members may not receive it: a programme for an
    # organisation's partners (the EU's P2P programme is not for EU members).
    excluded_organizations = models.JSONField(_("not for members of"), default=list, blank=True)
    mandate = models.CharField(_("treaty mandate"), max_length=4, choices=Mandate.choices, blank=True)
    # Requests it can take on per period; null: not stated (an unconfirmed offer never invents one).
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    capacity_period = models.CharField(_("capacity period"), max_length=8, choices=Period.choices, default=Period.YEAR)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    confirmed = models.BooleanField(_("confirmed by the provider"), default=False)
    # "reference": drafted from public information by `load_reference`; never overwritten once edited.
    source = models.CharField(_("source"), max_length=12, default="provider")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["provider__name", "title", "id"]
        verbose_name = _("assistance offer")
        indexes = [models.Index(fields=["status", "provider"])]
        constraints = [
            models.CheckConstraint(
                name="offer_validity_order",
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.provider.slug})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("assistance:offer", args=[self.pk])


class RequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one place that decides who sees which request.

        The public sees requests published with the State's consent (once submitted); a State
        official sees all of their State's and the published ones; provider staff see those routed
        to their organisation and the published ones; experts and administrators see everything.
        """
        published = Q(consent_to_publish=True) & ~Q(status__in=[AssistanceRequest.Status.DRAFT])
        if user is None or not user.is_authenticated:
            return self.filter(published)
        if user.is_reviewer:
            return self
        if user.is_state_official:
            return self.filter(published | Q(state_id=user.state_id))
        if user.is_provider_staff:
            return self.filter(
                published | Q(pk__in=Match.objects.filter(provider_id=user.provider_id).values("request_id"))
            )
        return self.filter(published)


class AssistanceRequest(models.Model):
    """A State's request for assistance in one subject area: the Committee's assistance template."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        ROUTED = "routed", _("routed")
        UNMATCHED = "unmatched", _("unmatched")
        CLAIMED = "claimed", _("claimed")
        DELIVERED = "delivered", _("delivered")
        CLOSED = "closed", _("closed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="assistance_requests")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    # A draft may still lack its area, columns and type; submitting requires them (services.submit).
    area = models.ForeignKey(
        AssistanceArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="requests", null=True, blank=True
    )
    columns = models.JSONField(_("weapon columns"), default=list, blank=True)
    assistance_type = models.CharField(
        _("type of assistance"), max_length=24, choices=AssistanceType.choices, blank=True
    )
    title = models.CharField(_("title"), max_length=200)
    beneficiary_agencies = models.TextField(_("agencies that would benefit"), max_length=MAX_TEXT, blank=True)
    timeline = models.CharField(_("timeline"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    preferred_providers = models.ManyToManyField(Provider, blank=True, related_name="preferred_by")
    approached_providers = models.ManyToManyField(Provider, blank=True, related_name="approached_by")
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    # "Request this": the offer the State started from; routing prefers it.
    from_offer = models.ForeignKey(
        Offer,
        verbose_name=_("started from the offer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    consent_to_publish = models.BooleanField(_("consent to publish the request"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    claimed_by = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="claimed")
    delivery_summary = models.TextField(_("delivery summary"), max_length=MAX_TEXT, blank=True)
    feedback_rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    feedback_comment = models.TextField(_("feedback"), max_length=MAX_TEXT, blank=True)
    # Every transition is stamped when it happens, never recomputed.
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    routed_at = models.DateTimeField(_("routed"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    # The first message from a provider on the request: a turnaround milestone.
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("assistance request")
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                name="feedback_rating_range",
                condition=Q(feedback_rating__isnull=True) | Q(feedback_rating__gte=1, feedback_rating__lte=5),
            )
        ]

    def __str__(self):
        return f"#{self.pk} {self.state.iso3} {self.title}"


class Need(models.Model):
    """One specific need of a request, pointing at the matrix cells it addresses."""

    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="needs")
    description = models.TextField(_("description"), max_length=MAX_TEXT)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["request", "order", "id"]

    def __str__(self):
        return self.description[:60]


class NeedCell(models.Model):
    """A matrix cell a need addresses (a gap: blank or `?`)."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="cells")
    matrix = models.ForeignKey("matrices.Matrix", on_delete=models.PROTECT, related_name="+")
    row_code = models.CharField(max_length=60)
    column = models.CharField(max_length=3)
    aspect = models.CharField(max_length=12)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["need", "matrix", "row_code", "column", "aspect"], name="unique_need_cell")
        ]

    def __str__(self):
        return f"{self.row_code} {self.column}/{self.aspect}"


class Match(models.Model):
    """A provider chosen for a request, with its score and the reasons, so anyone can see why."""

    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="matches")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="matches")
    # The offer matched; null for an expert's assignment without one.
    offer = models.ForeignKey(Offer, null=True, blank=True, on_delete=models.SET_NULL, related_name="matches")
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("reasons"), default=list)
    assigned_by_expert = models.BooleanField(default=False)
    # A provider that joins a claimed request to support the lead.
    supporting_since = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request", "-score", "provider__name"]
        constraints = [models.UniqueConstraint(fields=["request", "provider"], name="unique_match")]

    def __str__(self):
        return f"{self.request_id} -> {self.provider.slug} ({self.score:.1f})"


class RoutingJob(models.Model):
    """The durable record that a request must be routed: the Celery message is only a hint.

    Written in the same transaction as the submission; a beat task re-drives pending jobs whose
    message was lost (broker down, worker killed)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")

    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="routing_jobs")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # Escalation re-routes wider: more providers, area no longer required.
    widen = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"routing job {self.pk} for request {self.request_id} ({self.status})"


class ProgressReport(models.Model):
    """A provider's note on how the assistance is going."""

    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="progress")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(max_length=MAX_TEXT)
    # The language the note is written in (portal/core/usertext.py).
    language = models.CharField(_("language"), max_length=8, default="en")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"progress on {self.request_id} by {self.provider_id}"


class Notification(models.Model):
    """A message to a provider about a match: by e-mail, and by signed webhook when it has one."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        WEBHOOK = "webhook", _("webhook")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["match", "channel"], name="unique_notification")]

    def __str__(self):
        return f"{self.channel} for match {self.match_id}"


class Message(models.Model):
    """A message in the conversation between a State and one provider on a request; never public.

    Each conversation is the pair (request, provider): the State's officials see all of them, a
    provider only its own, the Committee's experts every one."""

    class Side(models.TextChoices):
        STATE = "state", _("State")
        PROVIDER = "provider", _("provider")

    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="messages")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="messages")
    side = models.CharField(_("from"), max_length=8, choices=Side.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("message"), max_length=MAX_TEXT)
    # The language the message is written in (portal/core/usertext.py).
    language = models.CharField(_("language"), max_length=8, default="en")
    document = models.FileField(_("document"), upload_to="assistance/messages/", blank=True)
    document_name = models.CharField(_("document name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "provider", "created_at", "id"]
        indexes = [models.Index(fields=["request", "provider", "created_at"])]

    def __str__(self):
        return f"message {self.pk} on {self.request_id} ({self.side}, {self.provider_id})"
