from django.conf import settings
from django.db import models
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

# The weapons treaties whose status the portal tracks for every State, in display order.
TRACKED_TREATY_CODES = ("CWC", "NPT", "BWC")


class RegionalGroup(models.Model):
    """A UN regional group of the General Assembly (African, Asia-Pacific, ..., WEOG)."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("UN regional group")

    def __str__(self):
        return self.name


class StateQuerySet(models.QuerySet):
    def with_public_profile(self):
        """Everything a States list or page shows, in a constant number of queries."""
        return self.select_related("region").prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.current().select_related("organization").order_by("organization__code"),
                to_attr="current_memberships",
            ),
            Prefetch(
                "treaty_statuses",
                queryset=TreatyStatus.objects.select_related("treaty").order_by("treaty__code"),
            ),
        )


class State(models.Model):
    """A UN Member State; its ISO 3166 alpha-3 code is its key in URLs and the API."""

    iso3 = models.CharField(_("ISO alpha-3"), max_length=3, unique=True)
    iso2 = models.CharField(_("ISO alpha-2"), max_length=2, unique=True)
    m49 = models.CharField(_("UN M49 code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    iso_name = models.CharField(_("ISO name"), max_length=100)
    official_name = models.CharField(_("official name"), max_length=200)
    region = models.ForeignKey(
        RegionalGroup, verbose_name=_("UN regional group"), on_delete=models.PROTECT, related_name="states"
    )
    group_note = models.TextField(_("note on regional group"), blank=True)

    objects = StateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("State")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("states:detail", args=[self.iso3])

    @property
    def tracked_treaty_statuses(self):
        """Status in the CWC, NPT and BWC, in that order (uses the prefetched statuses)."""
        by_code = {status.treaty.code: status for status in self.treaty_statuses.all()}
        return [by_code[code] for code in TRACKED_TREATY_CODES if code in by_code]


class RegionalOrganization(models.Model):
    """A regional or sub-regional organisation (AU, CARICOM, OSCE, ...)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    member_count_listed = models.PositiveIntegerField(_("members listed"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("regional organisation")

    def __str__(self):
        return f"{self.name} ({self.code})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("states:organization", args=[self.code])


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.exclude(kind=Membership.Kind.FORMER)


class Membership(models.Model):
    """A member of a regional organisation: a UN Member State, or a non-UN member kept by name."""

    class Kind(models.TextChoices):
        MEMBER = "member", _("member")
        ASSOCIATE = "associate", _("associate member")
        FORMER = "former", _("former member")

    organization = models.ForeignKey(
        RegionalOrganization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    # Null for members that are not UN Member States (Western Sahara in the AU, territories...).
    state = models.ForeignKey(
        State, verbose_name=_("State"), null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    member_code = models.CharField(_("member code"), max_length=3)
    member_name = models.CharField(_("member name"), max_length=100)
    kind = models.CharField(_("membership"), max_length=12, choices=Kind.choices, default=Kind.MEMBER)
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organization__code", "member_name"]
        verbose_name = _("membership")
        constraints = [
            models.UniqueConstraint(fields=["organization", "member_code"], name="unique_membership"),
        ]

    def __str__(self):
        return f"{self.member_name} in {self.organization.code} ({self.kind})"


class Treaty(models.Model):
    """A treaty or instrument behind resolution 1540 (CWC, NPT, BWC, CPPNM, ...)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=300)
    # Kept as written in the source: some values are "not in force" or carry a qualifier.
    opened_for_signature = models.CharField(_("opened for signature"), max_length=60, blank=True)
    entry_into_force = models.CharField(_("entry into force"), max_length=60, blank=True)
    depositary = models.CharField(_("depositary"), max_length=200, blank=True)
    implementing_body = models.CharField(_("implementing body"), max_length=200, blank=True)
    verification = models.CharField(_("how the dates were verified"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("treaty")
        verbose_name_plural = _("treaties")

    def __str__(self):
        return self.code


class TreatyStatus(models.Model):
    """Where a State stands with one of the weapons treaties (CWC, NPT, BWC), with the source's note."""

    class Status(models.TextChoices):
        PARTY = "party", _("party")
        SIGNATORY = "signatory", _("signatory")
        NOT_SIGNED = "not_signed", _("not signed")
        WITHDRAWAL_ANNOUNCED = "withdrawal_announced", _("withdrawal announced")

    state = models.ForeignKey(State, verbose_name=_("State"), on_delete=models.CASCADE, related_name="treaty_statuses")
    treaty = models.ForeignKey(Treaty, verbose_name=_("treaty"), on_delete=models.PROTECT, related_name="statuses")
    status = models.CharField(_("status"), max_length=24, choices=Status.choices)
    # The source gives no dates; where one is known it goes here, never invented.
    status_date = models.DateField(_("date"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["state__name", "treaty__code"]
        verbose_name = _("treaty status")
        verbose_name_plural = _("treaty statuses")
        constraints = [models.UniqueConstraint(fields=["state", "treaty"], name="unique_treaty_status")]

    def __str__(self):
        return f"{self.state} / {self.treaty}: {self.status}"


class ContactQuerySet(models.QuerySet):
    def current(self, on=None):
        """Contacts in office on the day `on` (today): started, and not yet ended."""
        from django.utils import timezone

        day = on or timezone.localdate()
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=day),
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day),
        )


class Contact(models.Model):
    """A person a State designates for the regimes: its 1540 national point of contact, its CWC National
    Authority, its BWC national contact point, its IAEA / NPT focal point, or an issue champion.

    Never public: the public learns only which kinds a State has designated (`states.contacts`)."""

    class Kind(models.TextChoices):
        POC_1540 = "1540_poc", _("1540 national point of contact")
        CWC_NATIONAL_AUTHORITY = "cwc_national_authority", _("CWC National Authority")
        BWC_CONTACT_POINT = "bwc_contact_point", _("BWC national contact point")
        IAEA_FOCAL_POINT = "iaea_focal_point", _("IAEA / NPT focal point")
        ISSUE_CHAMPION = "issue_champion", _("issue champion")

    state = models.ForeignKey(State, verbose_name=_("State"), on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    agency = models.CharField(_("agency"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Language codes among the UN's six languages, Portuguese and Dutch.
    languages = models.JSONField(_("languages"), default=list, blank=True)
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_until = models.DateField(_("until"), null=True, blank=True)
    # When the State last said the contact is current: on creation, on each edit, on "confirm as current".
    confirmed_at = models.DateTimeField(_("confirmed"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["state__name", "kind", "name", "id"]
        verbose_name = _("point of contact")
        verbose_name_plural = _("points of contact")
        indexes = [models.Index(fields=["state", "kind"], name="contact_state_kind")]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()}, {self.state_id})"
