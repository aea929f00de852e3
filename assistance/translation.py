"""The labels of the areas of assistance and the providers' names in the six UN languages
(django-modeltranslation). See `states/translation.py`."""

from modeltranslation.translator import TranslationOptions, register

from assistance.models import AssistanceArea, Provider


@register(AssistanceArea)
class AssistanceAreaTranslation(TranslationOptions):
    fields = ("label",)


@register(Provider)
class ProviderTranslation(TranslationOptions):
    fields = ("name",)
