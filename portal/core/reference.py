"""Loading reference data from the CSV files kept in `portal/reference_data/`.

Each app states what its rows are (`states.reference`, `assistance.reference`); `upsert` makes
the table match them: new rows are created, changed rows updated (with an audit event giving
the values before and after), unchanged rows left alone. Running a load twice changes nothing.

English is the source language: rows are written under English, so `name` and `name_en` (the columns of
the translated fields, `<app>/translation.py`) always hold the reference data's English. The other UN
languages come from `translations/<kind>.csv` (`read_translations`, `translate`), written only to their
own columns (`name_fr`...): a translation never changes an English value.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import translation
from modeltranslation.utils import build_localized_fieldname

from portal.audit.services import record
from portal.core.i18n import SOURCE_LANGUAGE, UN_LANGUAGES

DATA_DIR = Path(settings.BASE_DIR) / "portal" / "reference_data"
TRANSLATIONS_DIR = DATA_DIR / "translations"
# The languages a translation file gives besides English, in the order of its columns.
TRANSLATED_LANGUAGES = tuple(code for code, _name in UN_LANGUAGES if code != SOURCE_LANGUAGE)


def read_csv(name: str) -> list[dict]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


def split_list(value: str) -> list[str]:
    """'NW;CW;BW' -> ['NW', 'CW', 'BW']."""
    return [item.strip() for item in value.split(";") if item.strip()]


@dataclass
class LoadReport:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    deleted: dict = field(default_factory=dict)
    # Per kind of translation file: values written, lines skipped as stale (their English is not the
    # object's), lines whose key names no object, and files not there (nothing translated, nothing erased).
    translated: dict = field(default_factory=dict)
    stale: dict = field(default_factory=dict)
    unknown: dict = field(default_factory=dict)
    missing_files: list = field(default_factory=list)

    def add(self, label, created=0, updated=0, deleted=0):
        for bucket, count in ((self.created, created), (self.updated, updated), (self.deleted, deleted)):
            bucket[label] = bucket.get(label, 0) + count

    def add_translations(self, kind, translated=0, stale=0, unknown=0):
        for bucket, count in ((self.translated, translated), (self.stale, stale), (self.unknown, unknown)):
            bucket[kind] = bucket.get(kind, 0) + count

    @property
    def changed(self) -> bool:
        return (
            any(self.created.values())
            or any(self.updated.values())
            or any(self.deleted.values())
            or any(self.translated.values())
        )

    def lines(self):
        for label in self.created:
            yield (
                f"{label}: {self.created.get(label, 0)} created, {self.updated.get(label, 0)} updated, "
                f"{self.deleted.get(label, 0)} removed"
            )
        for kind in self.translated:
            yield (
                f"translations of {kind}: {self.translated[kind]} written, {self.stale.get(kind, 0)} stale "
                f"(English changed since), {self.unknown.get(kind, 0)} unknown keys"
            )
        for name in self.missing_files:
            yield f"translations: {name} not found, left as they were"


def upsert(
    model, key: str | tuple, rows: list[dict], report: LoadReport, *, delete_missing=False, queryset=None
) -> dict:
    """Make `model`'s rows (or those of `queryset`) match `rows` (dicts of field values) by `key`.

    Returns {key: instance} for every row of the table or queryset after the change. Runs under English,
    the reference data's language: a translated field's value is its English (`name_en` kept with `name`).
    """
    with translation.override(SOURCE_LANGUAGE):
        return _upsert(model, key, rows, report, delete_missing=delete_missing, queryset=queryset)


def _upsert(model, key, rows, report, *, delete_missing, queryset):
    queryset = model.objects.all() if queryset is None else queryset
    keys = (key,) if isinstance(key, str) else key

    def key_of(values):
        return tuple(values[k] if not hasattr(values[k], "pk") else values[k].pk for k in keys)

    def key_of_instance(obj):
        return tuple(getattr(obj, f"{k}_id", None) if _is_fk(model, k) else getattr(obj, k) for k in keys)

    existing = {key_of_instance(obj): obj for obj in queryset}
    to_create, to_update, changed_fields = [], [], set()
    seen = set()
    for values in rows:
        k = key_of(values)
        seen.add(k)
        obj = existing.get(k)
        if obj is None:
            to_create.append(model(**values))
            continue
        before, after = {}, {}
        for name, value in values.items():
            current = getattr(obj, f"{name}_id") if _is_fk(model, name) else getattr(obj, name)
            new = value.pk if hasattr(value, "pk") else value
            if current != new:
                before[name], after[name] = _jsonable(current), _jsonable(new)
                setattr(obj, name, value)
                changed_fields.add(name)
        if after:
            to_update.append(obj)
            record("reference.update", obj, actor=None, before=before, after=after)
    created = model.objects.bulk_create(to_create)
    if to_update:
        # A translated field's English column changes with it (bulk_update writes only the columns named).
        english = {build_localized_fieldname(name, SOURCE_LANGUAGE) for name in changed_fields}
        english &= {f.name for f in model._meta.concrete_fields}
        model.objects.bulk_update(to_update, sorted(changed_fields | english))
    deleted = 0
    if delete_missing:
        stale = [obj.pk for k, obj in existing.items() if k not in seen]
        if stale:
            for obj in model.objects.filter(pk__in=stale):
                record("reference.delete", obj, actor=None, before={"key": str(key_of_instance(obj))})
            deleted, _ = model.objects.filter(pk__in=stale).delete()
    report.add(str(model._meta.verbose_name_plural), created=len(created), updated=len(to_update), deleted=deleted)
    return {key_of_instance(obj): obj for obj in queryset.all()}


def _is_fk(model, name):
    return model._meta.get_field(name).is_relation


def _jsonable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


# ---------------------------------------------------------------------------------------------
# Translations: `translations/<kind>.csv`, UTF-8, header `key,en,ar,zh-hans,fr,ru,es`. `key` is the natural
# key the kind's loader finds the object by (its code, slug, ISO3...; each loader says which), `en` the
# English the translation was made from: when it is not the object's English, the line is stale: skipped
# and counted, so the object reads as if it had no line. An object without a line, or an empty cell, reads
# English in that language (State names: CLDR's). A kind whose file is missing is left as it was.


FILE = object()  # `translate` reads the kind's file


def read_translations(kind: str, directory: Path | None = None) -> dict | None:
    """{key: {"en": ..., "fr": ..., ...}} of `translations/<kind>.csv`, or None when there is no such file."""
    path = (directory or TRANSLATIONS_DIR) / f"{kind}.csv"
    if not path.exists():
        return None
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return {
            (row.get("key") or "").strip(): {k.strip(): (v or "").strip() for k, v in row.items() if k}
            for row in csv.DictReader(handle)
            if (row.get("key") or "").strip()
        }


def translate(
    kind: str,
    model,
    field_name: str,
    objects_by_key: dict,
    report: LoadReport,
    *,
    lines=FILE,
    defaults: dict | None = None,
    directory: Path | None = None,
) -> None:
    """Write the translations of `field_name` of the objects `objects_by_key` ({key: [instance, ...]} or
    {key: instance}) from `translations/<kind>.csv` (or the `lines` already read, as `read_translations`
    gives them, None for a missing file) into each language's column, never the English ones.
    `defaults` ({key: {language: value}}) gives what a language gets when the file has no line or an
    empty cell (State names from CLDR).

    Idempotent: only the values that differ are written, in one UPDATE per model and column set."""
    if lines is FILE:
        lines = read_translations(kind, directory)
    if lines is None:
        report.missing_files.append(f"{kind}.csv")
        if not defaults:
            return
        lines = {}
    defaults = defaults or {}
    english_column = build_localized_fieldname(field_name, SOURCE_LANGUAGE)
    changed, columns = {}, set()
    written = stale = 0
    unknown = len(lines.keys() - objects_by_key.keys())
    for key, objects in objects_by_key.items():
        objects = objects if isinstance(objects, list | tuple) else [objects]
        line = lines.get(key)
        for obj in objects:
            given = line
            if given is not None and given.get(SOURCE_LANGUAGE, "") != getattr(obj, english_column):
                # Made from another English: not shown (the language reads English, or CLDR's name).
                stale += 1
                given = None
            for language in TRANSLATED_LANGUAGES:
                value = (given or {}).get(language) or defaults.get(key, {}).get(language) or None
                column = build_localized_fieldname(field_name, language)
                if getattr(obj, column) != value:
                    setattr(obj, column, value)
                    changed[obj.pk] = obj
                    columns.add(column)
                    written += 1
    if changed:
        model.objects.bulk_update(list(changed.values()), sorted(columns))
    report.add_translations(kind, translated=written, stale=stale, unknown=unknown)
