"""Check the translation files of the reference data against the data the loaders read.

Run from the repository root:  .venv/bin/python portal/reference_data/translations/validate.py [--db]

For each file: the header is exactly HEADER; every key exists in the data the loader reads (and,
except states_un_names.csv, every key of the loader has a row); `en` is the English label exactly
as the loader stores it; no cell is empty (states_un_names.csv: an empty cell means "CLDR's name is
used", and a filled one must differ from CLDR's); the OP codes of the English label (OP1, OP3(a)(b),
OP8(d)...) are kept in every language. With --db, the English labels are also compared with the
objects in the database (run `manage.py load_reference` first).
"""

import csv
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

import babel  # noqa: E402

from matrices.reference import REGIMES, SECTIONS_1540  # noqa: E402
from portal.core.reference import read_csv  # noqa: E402

HERE = Path(__file__).resolve().parent
HEADER = ["key", "en", "ar", "zh-hans", "fr", "ru", "es"]
LANGUAGES = HEADER[2:]
CLDR_LOCALES = {"ar": "ar", "zh-hans": "zh_Hans", "fr": "fr", "ru": "ru", "es": "es"}
OP_CODE = re.compile(r"\bOP\d+(?:\([a-z]\))*")


def expected():
    """{file: {key: English label as the loader stores it}}, in the loaders' order."""
    states = read_csv("un_member_states.csv")
    checklist = read_csv("checklist_candidates.csv")
    categories = list(dict.fromkeys(r["category"] for r in checklist))
    sections = dict(SECTIONS_1540)
    sections.update({c: c[:1].upper() + c[1:] for c in categories})
    return {
        "regional_groups.csv": {n: n for n in sorted({r["un_regional_group"] for r in states})},
        "treaties.csv": {r["code"]: r["name"] for r in read_csv("treaties.csv")},
        "organizations.csv": {r["org_code"]: r["org_name"] for r in read_csv("regional_orgs.csv")},
        "providers.csv": {r["slug"]: r["name"] for r in read_csv("providers.csv")},
        "areas.csv": {r["code"]: r["label"] for r in read_csv("assistance_areas.csv")},
        "regimes.csv": {code: name for code, name, _treaty, _column in REGIMES},
        "sections.csv": sections,
        "matrix_rows.csv": {r["row_id"]: r["label"] for r in read_csv("matrix_rows_candidate.csv")},
        "checklist_items.csv": {r["id"]: r["label"] for r in checklist},
        "states_un_names.csv": {r["iso3"]: r["name"] for r in states},
    }


def check_file(name, labels, errors):
    path = HERE / name
    if not path.exists():
        errors.append(f"{name}: missing")
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    if header != HEADER:
        errors.append(f"{name}: header {header}")
        return []
    seen = set()
    states = name == "states_un_names.csv"
    iso2 = {r["iso3"]: r["iso2"] for r in read_csv("un_member_states.csv")}
    territories = {lang: babel.Locale.parse(loc).territories for lang, loc in CLDR_LOCALES.items()}
    for number, row in enumerate(rows, start=2):
        where = f"{name}:{number}"
        if len(row) != len(HEADER):
            errors.append(f"{where}: {len(row)} cells")
            continue
        cells = dict(zip(HEADER, row, strict=True))
        key = cells["key"]
        if key in seen:
            errors.append(f"{where}: duplicate key {key}")
        seen.add(key)
        if key not in labels:
            errors.append(f"{where}: unknown key {key}")
            continue
        if cells["en"] != labels[key]:
            errors.append(f"{where}: en {cells['en']!r} != stored {labels[key]!r}")
        for lang in LANGUAGES:
            value = cells[lang]
            if value != value.strip():
                errors.append(f"{where}: {lang} has leading/trailing spaces")
            if not value:
                if not states:
                    errors.append(f"{where}: {lang} empty")
                continue
            if states and value == territories[lang].get(iso2[key]):
                errors.append(f"{where}: {lang} {value!r} is CLDR's name already")
            for code in OP_CODE.findall(cells["en"]):
                if code not in value:
                    errors.append(f"{where}: {lang} lacks {code}")
        if states and not any(cells[lang] for lang in LANGUAGES):
            errors.append(f"{where}: no override at all")
    if not states:
        for key in labels:
            if key not in seen:
                errors.append(f"{name}: no row for {key}")
    return rows


def check_db(wanted, errors):
    from assistance.models import AssistanceArea, Provider
    from matrices.models import Regime, Row, Section
    from states.models import RegionalGroup, RegionalOrganization, State, Treaty

    current = {
        "regional_groups.csv": {g.name: g.name for g in RegionalGroup.objects.all()},
        "treaties.csv": {t.code: t.name for t in Treaty.objects.all()},
        "organizations.csv": {o.code: o.name for o in RegionalOrganization.objects.all()},
        "providers.csv": {p.slug: p.name for p in Provider.objects.all()},
        "areas.csv": {a.code: a.label for a in AssistanceArea.objects.all()},
        "regimes.csv": {r.code: r.name for r in Regime.objects.all()},
        "sections.csv": {s.code: s.label for s in Section.objects.all()},
        "matrix_rows.csv": {r.code: r.label for r in Row.objects.filter(template__regime__code="1540", retired=False)},
        "checklist_items.csv": {
            r.code: r.label for r in Row.objects.exclude(template__regime__code="1540").filter(retired=False)
        },
        "states_un_names.csv": {s.iso3: s.name for s in State.objects.all()},
    }
    for name, labels in wanted.items():
        if current[name] != labels:
            errors.append(f"{name}: database differs from the CSV-derived labels")


def main():
    wanted = expected()
    errors = []
    for name, labels in wanted.items():
        rows = check_file(name, labels, errors)
        print(f"{name}: {len(rows)} rows")
    if "--db" in sys.argv:
        check_db(wanted, errors)
    for error in errors:
        print("ERROR", error)
    print("OK" if not errors else f"{len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
