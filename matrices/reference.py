"""The regimes and their templates: the 1540 matrix rows and the CWC, NPT and BWC checklists with
their mapping to 1540 cells. Loaded into the latest version of each regime's template; rows that
disappear from the data are retired there, never deleted (old matrices keep pointing at them).

Their names and labels in the other UN languages (`matrices/translation.py`;
`portal.core.reference.translate`) go to the latest template too (older versions keep theirs), by the key
of each file of `portal/reference_data/translations/`:
  regimes.csv          the regime's code: 1540, CWC, NPT, BWC
  sections.csv         the section's code: OP1, OP2, OP3ab, OP3cd for 1540; a checklist's category as in
                       checklist_candidates.csv ("adherence", "transfer controls"...), the same line for
                       every regime with that category; "CWC:adherence" for one regime's only
  matrix_rows.csv      the 1540 row's code (row_id of matrix_rows_candidate.csv: OP1.NPT...)
  checklist_items.csv  the checklist item's code (id of checklist_candidates.csv: CWC-ADH...), unique
                       across the regimes; "CWC:CWC-ADH" is read too
"""

from matrices.models import Aspect, CellColumn, Mapping, Regime, Row, Section, Template
from portal.core.reference import LoadReport, read_csv, read_translations, split_list, translate, upsert
from states.models import Treaty

REGIMES = [
    # code, name, treaty code, 1540 column
    ("1540", "Security Council resolution 1540 (2004)", "UNSCR1540", ""),
    ("CWC", "Chemical Weapons Convention", "CWC", CellColumn.CW),
    ("NPT", "Treaty on the Non-Proliferation of Nuclear Weapons", "NPT", CellColumn.NW),
    ("BWC", "Biological Weapons Convention", "BWC", CellColumn.BW),
]

SECTIONS_1540 = {
    "OP1": "OP1: treaties, arrangements and statements",
    "OP2": "OP2: prohibitions and their enforcement",
    "OP3ab": "OP3(a)(b): account for, secure and physically protect",
    "OP3cd": "OP3(c)(d): border, export, transit, trans-shipment, brokering and financing controls",
}


def load(report: LoadReport) -> None:
    treaties = {t.code: t for t in Treaty.objects.all()}
    regimes = upsert(
        Regime,
        "code",
        [
            {"code": code, "name": name, "treaty": treaties.get(treaty), "column": column, "order": order}
            for order, (code, name, treaty, column) in enumerate(REGIMES)
        ],
        report,
    )
    by_code = {regime.code: regime for regime in regimes.values()}
    _load_1540(by_code["1540"], report)
    checklist = read_csv("checklist_candidates.csv")
    for code in ("CWC", "NPT", "BWC"):
        _load_checklist(by_code[code], [r for r in checklist if r["regime"] == code], report)
    _translate(by_code, report)


def _translate(regimes, report):
    """The regimes' names, and the labels of the sections and rows of each regime's latest template."""
    translate("regimes", Regime, "name", regimes, report)
    templates = [current_template(regime) for regime in regimes.values()]
    sections = Section.objects.filter(template__in=templates).select_related("template__regime")
    rows = list(Row.objects.filter(template__in=templates, retired=False).select_related("template__regime"))
    for kind, model, field, objects in (
        ("sections", Section, "label", sections),
        ("matrix_rows", Row, "label", [row for row in rows if row.template.regime.code == "1540"]),
        ("checklist_items", Row, "label", [row for row in rows if row.template.regime.code != "1540"]),
    ):
        lines = read_translations(kind)
        translate(kind, model, field, _keyed(objects, lines), report, lines=lines)


def _keyed(objects, lines) -> dict:
    """{key: [sections or rows]}: each under "REGIME:CODE" when the file has that key, else its code."""
    keyed = {}
    for obj in objects:
        scoped = f"{obj.template.regime.code}:{obj.code}"
        keyed.setdefault(scoped if lines and scoped in lines else obj.code, []).append(obj)
    return keyed


def current_template(regime: Regime) -> Template:
    template = regime.templates.order_by("-version").first()
    if template is None:
        template = Template.objects.create(regime=regime, version=1)
    return template


def _sync_rows(template, sections, rows, report):
    sections = upsert(Section, ("template", "code"), sections, report, queryset=template.sections.all())
    section_by_code = {s.code: s for s in sections.values()}
    for row in rows:
        row["section"] = section_by_code[row.pop("section_code")]
        row["template"] = template
        row["retired"] = False
    result = upsert(Row, ("template", "code"), rows, report, queryset=template.rows.all())
    wanted = {row["code"] for row in rows}
    stale = [row.pk for row in result.values() if row.code not in wanted and not row.retired]
    if stale:
        Row.objects.filter(pk__in=stale).update(retired=True)
        report.add("retired rows", updated=len(stale))
    return {row.code: row for row in result.values()}


def _load_1540(regime, report):
    template = current_template(regime)
    data = read_csv("matrix_rows_candidate.csv")
    sections = [
        {"template": template, "code": code, "label": label, "order": order}
        for order, (code, label) in enumerate(SECTIONS_1540.items())
    ]
    rows = [
        {
            "section_code": r["section"],
            "code": r["row_id"],
            "label": r["label"],
            "kind": Row.Kind.OP1 if r["section"] == "OP1" else Row.Kind.WEAPONS,
            "order": order,
            "source_status": r["source_status"],
            "note": r["note"],
        }
        for order, r in enumerate(data)
    ]
    _sync_rows(template, sections, rows, report)


def _load_checklist(regime, data, report):
    template = current_template(regime)
    categories = list(dict.fromkeys(r["category"] for r in data))
    sections = [
        {"template": template, "code": category, "label": category[:1].upper() + category[1:], "order": order}
        for order, category in enumerate(categories)
    ]
    rows = [
        {
            "section_code": r["category"],
            "code": r["id"],
            "label": r["label"],
            "kind": Row.Kind.CHECKLIST,
            "order": order,
            "legal_basis": r["legal_basis"],
            "source_status": "design",
            "note": r["source_hint"],
        }
        for order, r in enumerate(data)
    ]
    row_by_code = _sync_rows(template, sections, rows, report)
    mappings = []
    for r in data:
        for target in split_list(r["matrix_rows"]):
            op1 = target.startswith("OP1.")
            mappings.append(
                {
                    "source": row_by_code[r["id"]],
                    "target_code": target,
                    "column": CellColumn.ALL if op1 else r["matrix_column"],
                    "aspect": Aspect.FRAMEWORK if op1 else r["matrix_aspect"],
                }
            )
    upsert(
        Mapping,
        ("source", "target_code", "column", "aspect"),
        mappings,
        report,
        delete_missing=True,
        queryset=Mapping.objects.filter(source__template=template),
    )
