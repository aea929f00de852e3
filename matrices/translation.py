"""The names and labels of the regimes and of their templates' sections and rows in the six UN languages
(django-modeltranslation). A row belongs to a template version, so its translated label is kept with
that version: a revised template's rows get their own. See `states/translation.py`."""

from modeltranslation.translator import TranslationOptions, register

from matrices.models import Regime, Row, Section


@register(Regime)
class RegimeTranslation(TranslationOptions):
    fields = ("name",)


@register(Section)
class SectionTranslation(TranslationOptions):
    fields = ("label",)


@register(Row)
class RowTranslation(TranslationOptions):
    fields = ("label",)
