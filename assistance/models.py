from django.db import models
from django.utils.translation import gettext_lazy as _

from states.models import RegionalGroup


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

    class Meta:
        ordering = ["name"]
        verbose_name = _("assistance provider")

    def __str__(self):
        return self.name
