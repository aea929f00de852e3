"""Loading reference data from the CSV files kept in `portal/reference_data/`.

Each app states what its rows are (`states.reference`, `assistance.reference`); `upsert` makes
the table match them: new rows are created, changed rows updated (with an audit event giving
the values before and after), unchanged rows left alone. Running a load twice changes nothing.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from portal.audit.services import record

DATA_DIR = Path(settings.BASE_DIR) / "portal" / "reference_data"


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

    def add(self, label, created=0, updated=0, deleted=0):
        for bucket, count in ((self.created, created), (self.updated, updated), (self.deleted, deleted)):
            bucket[label] = bucket.get(label, 0) + count

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values()) or any(self.deleted.values())

    def lines(self):
        for label in self.created:
            yield (
                f"{label}: {self.created.get(label, 0)} created, {self.updated.get(label, 0)} updated, "
                f"{self.deleted.get(label, 0)} removed"
            )


def upsert(
    model, key: str | tuple, rows: list[dict], report: LoadReport, *, delete_missing=False, queryset=None
) -> dict:
    """Make `model`'s rows (or those of `queryset`) match `rows` (dicts of field values) by `key`.

    Returns {key: instance} for every row of the table or queryset after the change.
    """
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
        model.objects.bulk_update(to_update, sorted(changed_fields))
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
