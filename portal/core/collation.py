"""Sorting names as a reader of each UN language expects: "Émirats arabes unis" among the E's, not after Z.

The Unicode Collation Algorithm with its root table (DUCET, `pyuca`) orders Latin, Cyrillic and Arabic
text alphabetically, accents as secondary differences; Chinese is sorted by its pinyin (`pypinyin`), with
the tone as a tie-break, then by the characters. The table is read once, on the first use (≈0.2 s).

    sorted(states, key=lambda state: sort_key(state.name, "fr"))
    sorted_by(states, lambda state: state.name)   # in the active language
"""

import functools

from django import forms
from django.utils.translation import get_language

CHINESE = "zh-hans"


@functools.cache
def _collator():
    from pyuca import Collator

    return Collator()


def _pinyin(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    # "zhong1 guo2": syllable by syllable, the tone number after each (Latin and digits kept as they are).
    return " ".join(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True))


def sort_key(text, language: str | None = None) -> tuple:
    """A key that orders `text` (a name) as a reader of `language` (the active one by default) expects."""
    text = str(text or "")
    language = (language or get_language() or "en").lower()
    collator = _collator()
    if language.startswith("zh"):
        return (collator.sort_key(_pinyin(text)), collator.sort_key(text), text)
    return (collator.sort_key(text), text)


def sorted_by(items, name=str, language: str | None = None) -> list:
    """`items` sorted by `name(item)` in `language` (the active one by default)."""
    language = language or get_language() or "en"
    return sorted(items, key=lambda item: sort_key(name(item), language))


def collated_choices(queryset, label=str, value=lambda obj: obj.pk, language: str | None = None) -> list:
    """The (value, label) choices of a picker, sorted by label in the active language: for a form field's
    `choices` (a ModelChoiceField's queryset order is the database's, which does not collate)."""
    return [(value(obj), label(obj)) for obj in sorted_by(queryset, label, language)]


class CollatedModelChoiceIterator(forms.models.ModelChoiceIterator):
    """A model picker's options by label in the active language (the database's order does not collate:
    "Émirats arabes unis" would come after "Zambie")."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in sorted_by(self.queryset, self.field.label_from_instance):
            yield self.choice(obj)


class CollatedModelChoiceField(forms.ModelChoiceField):
    """A picker of named objects (a State...) in the reader's order (`CollatedModelChoiceIterator`);
    as `field_class` of a django-filter ModelChoiceFilter too."""

    iterator = CollatedModelChoiceIterator


def translated(path: str, language: str | None = None):
    """A translated field reached through a relation ("state__name", "area__label") in `language` (the
    active one), English when it has no translation: for `values()` / `values_list()`, where
    django-modeltranslation reads the model's own fields in the active language but a related model's
    field in English (`State.objects.values("name")` is French under French, `Cell.objects.values(
    "row__label")` is English). Use it under another alias: `values(state_name=translated("state__name"))`."""
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Coalesce, NullIf
    from modeltranslation.utils import build_localized_fieldname
    from modeltranslation.utils import get_language as translation_language

    language = language or translation_language()
    english = F(build_localized_fieldname(path, "en"))
    if language == "en":
        return english
    # The columns are different field classes per language: say what the expression gives.
    return Coalesce(NullIf(F(build_localized_fieldname(path, language)), Value("")), english, output_field=CharField())
