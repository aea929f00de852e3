"""The assistance reference data: areas of assistance and provider profiles."""

from assistance.models import AssistanceArea, Provider
from portal.audit.services import record
from portal.core.reference import LoadReport, read_csv, split_list, upsert
from states.models import RegionalGroup

WORLDWIDE = "ALL"


def load(report: LoadReport) -> None:
    areas = upsert(
        AssistanceArea,
        "code",
        [
            {
                "code": r["code"],
                "label": r["label"],
                "operative_paragraphs": split_list(r["operative_paragraphs"]),
                "columns": split_list(r["columns"]),
                "description": r["description"],
            }
            for r in read_csv("assistance_areas.csv")
        ],
        report,
    )
    area_by_code = {obj.code: obj for obj in areas.values()}
    rows = read_csv("providers.csv")
    # `confirmed` is not described: the profiles here are drafted from public mandates (SOURCES.md),
    # so a new provider starts unconfirmed, and a reload never unconfirms one an administrator
    # marked as confirmed by the provider.
    providers = upsert(
        Provider,
        "slug",
        [
            {
                "slug": r["slug"],
                "name": r["name"],
                "kind": r["kind"],
                "columns": split_list(r["columns"]),
                "serves_all_regions": split_list(r["regions"]) == [WORLDWIDE],
                "languages": split_list(r["languages"]),
                "note": r["note"],
            }
            for r in rows
        ],
        report,
    )
    provider_by_slug = {obj.slug: obj for obj in providers.values()}
    region_by_name = {obj.name: obj for obj in RegionalGroup.objects.all()}
    current_areas = _links(Provider.areas.through, "assistancearea_id")
    current_regions = _links(Provider.regions.through, "regionalgroup_id")
    for r in rows:
        provider = provider_by_slug[r["slug"]]
        wanted_areas = {area_by_code[code].pk for code in split_list(r["areas"])}
        wanted_regions = {region_by_name[name].pk for name in split_list(r["regions"]) if name != WORLDWIDE}
        for relation, wanted, current in (
            ("areas", wanted_areas, current_areas.get(provider.pk, set())),
            ("regions", wanted_regions, current_regions.get(provider.pk, set())),
        ):
            if wanted != current:
                getattr(provider, relation).set(wanted)
                record(
                    "reference.update",
                    provider,
                    actor=None,
                    before={relation: sorted(current)},
                    after={relation: sorted(wanted)},
                )
                report.add("provider links", updated=1)


def _links(through, target_column):
    links = {}
    for provider_id, target_id in through.objects.values_list("provider_id", target_column):
        links.setdefault(provider_id, set()).add(target_id)
    return links
