"""The States reference data: UN regional groups, Member States, regional organisations and their
memberships, treaties, and each State's status in the CWC, NPT and BWC.

Their names in the other UN languages (`states/translation.py`; `portal.core.reference.translate`), by the
key of each file of `portal/reference_data/translations/`:
  regional_groups.csv   the group's English name as in un_member_states.csv (a group has no code):
                        "African", "Asia-Pacific", "Eastern European", "GRULAC", "WEOG"
  organizations.csv     the organisation's code (org_code of regional_orgs.csv: AU, ECOWAS...)
  treaties.csv          the treaty's code (code of treaties.csv: NPT, CWC...)
  states_un_names.csv   ISO 3166 alpha-3 (iso3): only where the UN's short name differs from CLDR's; an
                        empty cell (or no line) takes CLDR's name of the territory (Babel), by its alpha-2.
"""

from babel import Locale

from portal.core.i18n import locale_name
from portal.core.reference import TRANSLATED_LANGUAGES, LoadReport, read_csv, translate, upsert
from states.models import Membership, RegionalGroup, RegionalOrganization, State, Treaty, TreatyStatus

# Columns of treaty_status_un_members.csv, per treaty code.
STATUS_COLUMNS = {
    "CWC": ("cwc_status", "cwc_note"),
    "NPT": ("npt_status", "npt_note"),
    "BWC": ("bwc_status", "bwc_note"),
}


def _optional_int(value):
    return int(value) if value else None


def load(report: LoadReport) -> None:
    states_rows = read_csv("un_member_states.csv")
    regions = upsert(
        RegionalGroup,
        "name",
        [{"name": name} for name in sorted({r["un_regional_group"] for r in states_rows})],
        report,
    )
    region_by_name = {obj.name_en: obj for obj in regions.values()}
    states = upsert(
        State,
        "iso3",
        [
            {
                "iso3": r["iso3"],
                "iso2": r["iso2"],
                "m49": r["m49"],
                "name": r["name"],
                "iso_name": r["iso_name"],
                "official_name": r["official_name"],
                "region": region_by_name[r["un_regional_group"]],
                "group_note": r["group_note"],
            }
            for r in states_rows
        ],
        report,
    )
    state_by_iso3 = {obj.iso3: obj for obj in states.values()}

    organizations = upsert(
        RegionalOrganization,
        "code",
        [
            {
                "code": r["org_code"],
                "name": r["org_name"],
                "member_count_listed": _optional_int(r["member_count_listed"]),
                "note": r["note"],
            }
            for r in read_csv("regional_orgs.csv")
        ],
        report,
    )
    organization_by_code = {obj.code: obj for obj in organizations.values()}
    upsert(
        Membership,
        ("organization", "member_code"),
        [
            {
                "organization": organization_by_code[r["org_code"]],
                "member_code": r["iso3"],
                "member_name": r["member_name"],
                "state": state_by_iso3[r["iso3"]] if r["un_member"] == "True" else None,
                "kind": r["membership"],
                "note": r["note"],
            }
            for r in read_csv("regional_org_memberships.csv")
        ],
        report,
        delete_missing=True,
    )

    treaties = upsert(
        Treaty,
        "code",
        [
            {
                "code": r["code"],
                "name": r["name"],
                "opened_for_signature": r["opened_for_signature"],
                "entry_into_force": r["entry_into_force"],
                "depositary": r["depositary"],
                "implementing_body": r["implementing_body"],
                "verification": r["verification"],
                "notes": r["notes"],
            }
            for r in read_csv("treaties.csv")
        ],
        report,
    )
    treaty_by_code = {obj.code: obj for obj in treaties.values()}
    upsert(
        TreatyStatus,
        ("state", "treaty"),
        [
            {
                "state": state_by_iso3[r["iso3"]],
                "treaty": treaty_by_code[code],
                "status": r[status_column],
                "note": r[note_column],
            }
            for r in read_csv("treaty_status_un_members.csv")
            for code, (status_column, note_column) in STATUS_COLUMNS.items()
        ],
        report,
    )

    translate("regional_groups", RegionalGroup, "name", {g.name_en: g for g in regions.values()}, report)
    translate("organizations", RegionalOrganization, "name", organization_by_code, report)
    translate("treaties", Treaty, "name", treaty_by_code, report)
    translate("states_un_names", State, "name", state_by_iso3, report, defaults=cldr_names(states.values()))


def cldr_names(states) -> dict:
    """{iso3: {language: CLDR's name of the State's territory}} for the languages besides English."""
    locales = {language: Locale.parse(locale_name(language)) for language in TRANSLATED_LANGUAGES}
    return {
        state.iso3: {
            language: name for language, locale in locales.items() if (name := locale.territories.get(state.iso2))
        }
        for state in states
    }
