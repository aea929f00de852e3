"""The names of the States reference data in the six UN languages (django-modeltranslation).

Each field gets a column per language (`name_fr`, `name_zh_hans`...); `name` reads the active language's,
English when it is empty. English is the source: `load_reference` writes `name` (and `name_en`) under
English and the other languages' columns from CLDR and `portal/reference_data/translations/`."""

from modeltranslation.translator import TranslationOptions, register

from states.models import RegionalGroup, RegionalOrganization, State, Treaty


@register(RegionalGroup)
class RegionalGroupTranslation(TranslationOptions):
    fields = ("name",)


@register(State)
class StateTranslation(TranslationOptions):
    fields = ("name",)


@register(RegionalOrganization)
class RegionalOrganizationTranslation(TranslationOptions):
    fields = ("name",)


@register(Treaty)
class TreatyTranslation(TranslationOptions):
    fields = ("name",)
