"""The assistance reference data: areas of assistance, provider profiles and their initial offers.

Their labels and names in the other UN languages (`assistance/translation.py`;
`portal.core.reference.translate`), by the key of each file of `portal/reference_data/translations/`:
  areas.csv      the area's code (code of assistance_areas.csv: LEGISLATION, ACTION_PLAN...)
  providers.csv  the provider's slug (slug of providers.csv: opcw, iaea...)
"""

from assistance.models import AssistanceArea, Offer, Provider
from assistance.services import LANGUAGES
from portal.audit.services import record
from portal.core.reference import LoadReport, read_csv, split_list, translate, upsert
from states.models import RegionalGroup, RegionalOrganization

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
    extra = {r["slug"]: r for r in read_csv("provider_offers.csv")}
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
                "mandate": extra[r["slug"]]["mandate"],
            }
            for r in rows
        ],
        report,
    )
    provider_by_slug = {obj.slug: obj for obj in providers.values()}
    region_by_name = {obj.name_en: obj for obj in RegionalGroup.objects.all()}
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
    _initial_offers(rows, extra, provider_by_slug, area_by_code, region_by_name, report)
    translate("areas", AssistanceArea, "label", area_by_code, report)
    translate("providers", Provider, "name", provider_by_slug, report)


def _initial_offers(rows, extra, provider_by_slug, area_by_code, region_by_name, report):
    """One initial offer per reference provider, marked unconfirmed. An offer a person has edited
    (its source is no longer "reference"), confirmed or withdrawn is the provider's: a reload never
    touches it."""
    org_by_code = {org.code: org for org in RegionalOrganization.objects.all()}
    existing = {o.provider_id: o for o in Offer.objects.filter(source="reference").order_by("pk")}
    for r in rows:
        provider = provider_by_slug[r["slug"]]
        more = extra[r["slug"]]
        organizations = [org_by_code[code] for code in split_list(more["eligible_organizations"])]
        # A regional programme serves the members of its organisation, not a UN regional group.
        regions = [] if organizations else [region_by_name[n] for n in split_list(r["regions"]) if n != WORLDWIDE]
        fields = {
            "title": more["title"],
            "description": r["note"],
            "columns": split_list(r["columns"]),
            "assistance_types": split_list(more["assistance_types"]),
            # In the order the offer rules keep them, so that a first edit changes only what was edited.
            "languages": [code for code in LANGUAGES if code in split_list(r["languages"])],
            "mandate": more["mandate"],
            # A programme for an organisation's partners is not for its members (the EU's P2P).
            "excluded_organizations": split_list(more["excluded_organizations"]),
        }
        relations = {
            "areas": {area_by_code[code].pk for code in split_list(r["areas"])},
            "eligible_regions": {region.pk for region in regions},
            "eligible_organizations": {org.pk for org in organizations},
        }
        offer = existing.get(provider.pk)
        if offer is None:
            if Offer.objects.filter(provider=provider).exclude(source="reference").exists():
                continue  # the provider keeps its own offers: no reference draft beside them
            offer = Offer.objects.create(provider=provider, source="reference", confirmed=False, **fields)
            for name, ids in relations.items():
                getattr(offer, name).set(ids)
            record(
                "reference.create", offer, actor=None, after={**fields, **{k: sorted(v) for k, v in relations.items()}}
            )
            report.add("offers", created=1)
            continue
        if offer.confirmed or offer.status != Offer.Status.PUBLISHED:
            continue  # confirmed or withdrawn by a person: theirs, as they left it
        before, after = {}, {}
        for name, value in fields.items():
            if getattr(offer, name) != value:
                before[name], after[name] = getattr(offer, name), value
                setattr(offer, name, value)
        for name, ids in relations.items():
            current = set(getattr(offer, name).values_list("pk", flat=True))
            if current != ids:
                getattr(offer, name).set(ids)
                before[name], after[name] = sorted(current), sorted(ids)
        if after:
            offer.save()
            record("reference.update", offer, actor=None, before=before, after=after)
            report.add("offers", updated=1)


def _links(through, target_column):
    links = {}
    for provider_id, target_id in through.objects.values_list("provider_id", target_column):
        links.setdefault(provider_id, set()).add(target_id)
    return links
