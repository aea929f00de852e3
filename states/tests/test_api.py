"""The public States and providers API: payload contract, filters, errors and query counts."""

import pytest

from assistance.models import Provider
from states.models import Membership, RegionalOrganization, State

pytestmark = pytest.mark.django_db

STATES = "/api/v1/states/"
PROVIDERS = "/api/v1/assistance/providers/"

# SQL queries the public lists run, whatever the page size (pinned: a change must be deliberate).
STATE_LIST_QUERIES = 4  # count, States with their region, current memberships, treaty statuses
PROVIDER_LIST_QUERIES = 5  # count, providers, their areas, their regions, their current offers


def iso3s(response):
    return {row["iso3"] for row in response.json()["results"]}


def all_rows(api_client, **params):
    response = api_client.get(STATES, {"page_size": 500, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


# Shape


def test_state_list_rows_follow_the_contract(api_client, reference):
    response = api_client.get(STATES, {"search": "Jamaica"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["count"] == 1
    jamaica = body["results"][0]
    assert {"iso3", "iso2", "name", "region", "organizations", "treaties"} <= set(jamaica)
    assert jamaica["iso3"] == "JAM"
    assert jamaica["iso2"] == "JM"
    assert jamaica["name"] == "Jamaica"
    assert jamaica["region"] == "GRULAC"
    assert "CARICOM" in jamaica["organizations"]
    assert all(isinstance(code, str) for code in jamaica["organizations"])
    assert set(jamaica["treaties"]) == {"CWC", "NPT", "BWC"}
    for status in jamaica["treaties"].values():
        assert set(status) >= {"status", "note"}
        assert status["status"] == "party"


def test_state_detail_gives_treaty_status_and_note_from_the_data(api_client, reference):
    response = api_client.get(f"{STATES}EGY/")

    assert response.status_code == 200
    egypt = response.json()
    assert egypt["iso3"] == "EGY"
    assert egypt["iso2"] == "EG"
    assert egypt["name"] == "Egypt"
    assert egypt["region"] == "African"
    assert sorted(egypt["organizations"]) == ["AU", "LAS"]
    assert egypt["treaties"]["CWC"] == {
        "status": "not_signed",
        "note": "verified non-party (OPCW statements 2017, 2023)",
    }
    assert egypt["treaties"]["NPT"] == {"status": "party", "note": ""}
    assert egypt["treaties"]["BWC"] == {"status": "signatory", "note": "signed 1972, not ratified"}


def test_state_detail_accepts_a_lowercase_iso_code(api_client, reference):
    response = api_client.get(f"{STATES}egy/")

    assert response.status_code == 200
    assert response.json()["iso3"] == "EGY"


def test_it_answers_404_not_found_for_an_unknown_iso_code(api_client, reference):
    response = api_client.get(f"{STATES}XXX/")

    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not-found"
    assert "XXX" in body["detail"]


def test_a_withdrawal_is_reported_as_such_not_as_party(api_client, reference):
    response = api_client.get(f"{STATES}PRK/")

    assert response.json()["treaties"]["NPT"]["status"] == "withdrawal_announced"


def test_former_members_are_not_listed_among_organizations(api_client, reference):
    mali = api_client.get(f"{STATES}MLI/").json()

    assert "AU" in mali["organizations"]
    assert "ECOWAS" not in mali["organizations"]


# Pagination


def test_the_list_counts_all_193_states_and_honours_page_size(api_client, reference):
    response = api_client.get(STATES, {"page_size": 10})

    body = response.json()
    assert body["count"] == 193
    assert len(body["results"]) == 10
    assert body["previous"] is None
    assert "page=2" in body["next"]
    names = [row["name"] for row in body["results"]]
    assert names == sorted(names)


def test_the_default_page_holds_50_states_and_the_last_page_the_rest(api_client, reference):
    first = api_client.get(STATES).json()
    last = api_client.get(STATES, {"page": 4}).json()

    assert len(first["results"]) == 50
    assert len(last["results"]) == 193 - 150
    assert last["next"] is None


def test_one_page_of_193_holds_every_state_once(api_client, reference):
    rows = all_rows(api_client)

    assert len(rows) == 193
    assert len({row["iso3"] for row in rows}) == 193


# Filters


def test_african_states_not_party_to_the_cwc_are_egypt_and_south_sudan(api_client, reference):
    response = api_client.get(STATES, {"region": "African", "not_party_to": "CWC"})

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert iso3s(response) == {"EGY", "SSD"}


def test_treaty_filters_are_case_insensitive(api_client, reference):
    upper = api_client.get(STATES, {"not_party_to": "CWC", "page_size": 500})
    lower = api_client.get(STATES, {"not_party_to": "cwc", "page_size": 500})

    assert lower.status_code == 200
    assert iso3s(lower) == iso3s(upper) == {"EGY", "ISR", "PRK", "SSD"}


def test_party_to_and_not_party_to_split_the_193_states(api_client, reference):
    parties = {row["iso3"] for row in all_rows(api_client, party_to="npt")}
    others = {row["iso3"] for row in all_rows(api_client, not_party_to="NPT")}

    assert others == {"IND", "ISR", "PAK", "SSD", "PRK"}
    assert not parties & others
    assert len(parties) + len(others) == 193


def test_region_filter_gives_every_state_of_the_group(api_client, reference):
    rows = all_rows(api_client, region="Eastern European")

    assert len(rows) == 23
    assert {row["region"] for row in rows} == {"Eastern European"}


def test_organization_filter_gives_current_un_members_only(api_client, reference):
    caricom = {row["iso3"] for row in all_rows(api_client, organization="CARICOM")}
    expected = set(
        Membership.objects.filter(organization__code="CARICOM", state__isnull=False)
        .exclude(kind="former")
        .values_list("state__iso3", flat=True)
    )

    assert caricom == expected
    assert len(caricom) == 14
    assert {"JAM", "HTI", "TTO", "SUR"} <= caricom
    assert "MSR" not in caricom  # Montserrat: a member, but not a UN Member State


def test_organization_filter_includes_associate_members_that_are_un_states(api_client, reference):
    # No UN Member State is an associate anywhere in the data yet: make one.
    Membership.objects.create(
        organization=RegionalOrganization.objects.get(code="CARICOM"),
        state=State.objects.get(iso3="COL"),
        member_code="COL",
        member_name="Colombia",
        kind="associate",
    )

    caricom = {row["iso3"] for row in all_rows(api_client, organization="CARICOM")}

    assert len(caricom) == 15
    assert "COL" in caricom
    assert "CARICOM" in api_client.get(f"{STATES}COL/").json()["organizations"]


def test_organization_filter_leaves_out_former_members(api_client, reference):
    ecowas = {row["iso3"] for row in all_rows(api_client, organization="ECOWAS")}

    assert len(ecowas) == 12
    assert {"NGA", "GHA", "SEN"} <= ecowas
    assert not {"MLI", "BFA", "NER"} & ecowas


def test_filters_combine(api_client, reference):
    rows = all_rows(api_client, organization="CARICOM", not_party_to="BWC")

    assert [row["iso3"] for row in rows] == ["HTI"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [("Jama", {"JAM"}), ("jamaica", {"JAM"}), ("JAM", {"JAM"}), ("jm", {"JAM"}), ("egy", {"EGY"})],
)
def test_search_finds_a_state_by_part_of_its_name_or_its_iso_code(api_client, reference, term, expected):
    response = api_client.get(STATES, {"search": term})

    assert response.status_code == 200
    assert iso3s(response) == expected


def test_search_matches_any_part_of_a_name(api_client, reference):
    names = {row["name"] for row in all_rows(api_client, search="guinea")}

    assert names == {"Equatorial Guinea", "Guinea", "Guinea-Bissau", "Papua New Guinea"}


def test_search_with_no_match_is_an_empty_page_not_an_error(api_client, reference):
    response = api_client.get(STATES, {"search": "Atlantis"})

    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("region", "Nope"), ("party_to", "XYZ"), ("not_party_to", "CPPNM"), ("organization", "NOPE")],
)
def test_it_rejects_an_unknown_filter_value_with_400(api_client, reference, parameter, value):
    response = api_client.get(STATES, {parameter: value})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert parameter in body["detail"]
    assert "valid choice" in body["detail"]
    assert parameter in body["errors"]


def test_it_rejects_an_overlong_search_with_400(api_client, reference):
    response = api_client.get(STATES, {"search": "x" * 101})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_it_rejects_an_unknown_parameter_with_400(api_client, reference):
    response = api_client.get(STATES, {"regoin": "x"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown-parameter"
    assert "regoin" in body["detail"]
    assert "region" in body["detail"]  # the allowed parameters are listed


def test_it_rejects_a_page_past_the_end_with_404(api_client, reference):
    response = api_client.get(STATES, {"page": 99})

    assert response.status_code == 404
    assert response.json()["code"] == "not-found"


# Access and query counts


def test_the_public_api_is_read_only(api_client, reference):
    for method in ("post", "put", "patch", "delete"):
        url = STATES if method == "post" else f"{STATES}JAM/"
        response = getattr(api_client, method)(url, {"name": "Atlantis"}, format="json")
        assert response.status_code == 405, method
        assert response.json()["code"] == "method-not-allowed"
    assert State.objects.get(iso3="JAM").name == "Jamaica"


def test_the_public_endpoints_need_no_token(api_client, reference):
    for url in (STATES, f"{STATES}JAM/", PROVIDERS, f"{PROVIDERS}opcw/"):
        assert api_client.get(url).status_code == 200, url


def test_the_state_list_query_count_does_not_grow_with_the_page(api_client, reference, django_assert_num_queries):
    with django_assert_num_queries(STATE_LIST_QUERIES):
        small = api_client.get(STATES, {"page_size": 10})
    with django_assert_num_queries(STATE_LIST_QUERIES):
        full = api_client.get(STATES, {"page_size": 193})

    assert len(small.json()["results"]) == 10
    assert len(full.json()["results"]) == 193


def test_a_filtered_state_list_runs_a_constant_number_of_queries(api_client, reference, django_assert_num_queries):
    # One more query per model-choice filter, to check the value exists.
    with django_assert_num_queries(STATE_LIST_QUERIES + 1):
        african = api_client.get(STATES, {"region": "African", "page_size": 100})
    with django_assert_num_queries(STATE_LIST_QUERIES + 1):
        weog = api_client.get(STATES, {"region": "WEOG", "not_party_to": "BWC", "page_size": 100})

    assert african.json()["count"] == 54
    assert iso3s(weog) == {"ISR"}


def test_the_state_detail_runs_a_constant_number_of_queries(api_client, reference, django_assert_num_queries):
    with django_assert_num_queries(3):
        response = api_client.get(f"{STATES}KEN/")

    assert response.json()["name"] == "Kenya"


# Providers


def test_provider_list_rows_follow_the_contract(api_client, reference):
    response = api_client.get(PROVIDERS, {"page_size": 100})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == Provider.objects.count() == 17
    opcw = next(row for row in body["results"] if row["slug"] == "opcw")
    assert set(opcw) >= {"slug", "name", "kind", "columns", "areas", "regions", "languages", "note"}
    assert opcw["kind"] == "international_organization"
    assert opcw["columns"] == ["CW"]
    assert "LEGISLATION" in opcw["areas"]
    assert opcw["regions"] == ["ALL"]
    assert "fr" in opcw["languages"]
    caricom = next(row for row in body["results"] if row["slug"] == "caricom-1540")
    assert caricom["regions"] == ["GRULAC"]


def test_provider_detail_by_slug(api_client, reference):
    response = api_client.get(f"{PROVIDERS}iaea/")

    assert response.status_code == 200
    assert response.json()["columns"] == ["NW"]
    assert api_client.get(f"{PROVIDERS}nobody/").json()["code"] == "not-found"


def slugs(response):
    assert response.status_code == 200, response.content
    return {row["slug"] for row in response.json()["results"]}


def test_providers_filter_by_column(api_client, reference):
    chemical = slugs(api_client.get(PROVIDERS, {"column": "CW", "page_size": 100}))
    biological = slugs(api_client.get(PROVIDERS, {"column": "BW", "page_size": 100}))

    assert "opcw" in chemical
    assert "iaea" not in chemical
    assert {"who", "bwc-isu"} <= biological
    assert "opcw" not in biological
    assert slugs(api_client.get(PROVIDERS, {"column": "MD", "page_size": 100})) == {
        "unoda",
        "wco",
        "eu-p2p",
        "us-exbs",
        "osce",
        "oas-cicte",
        "caricom-1540",
        "au-1540",
    }


def test_providers_filter_by_area(api_client, reference):
    result = slugs(api_client.get(PROVIDERS, {"area": "PHYSICAL_PROTECTION"}))

    assert result == {"iaea"}


def test_providers_filter_by_region_includes_worldwide_providers(api_client, reference):
    african = slugs(api_client.get(PROVIDERS, {"region": "African", "page_size": 100}))
    grulac = slugs(api_client.get(PROVIDERS, {"region": "GRULAC", "page_size": 100}))

    assert {"au-1540", "opcw", "iaea"} <= african
    assert "caricom-1540" not in african
    assert "caricom-1540" in grulac
    assert "au-1540" not in grulac


def test_providers_filters_combine(api_client, reference):
    result = slugs(api_client.get(PROVIDERS, {"region": "GRULAC", "column": "MD", "area": "REPORTING"}))

    assert result == {"unoda", "caricom-1540"}


@pytest.mark.parametrize(("parameter", "value"), [("area", "NOPE"), ("column", "XX"), ("region", "Atlantis")])
def test_providers_reject_an_unknown_filter_value_with_400(api_client, reference, parameter, value):
    response = api_client.get(PROVIDERS, {parameter: value})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert parameter in response.json()["detail"]


def test_providers_reject_an_unknown_parameter_with_400(api_client, reference):
    response = api_client.get(PROVIDERS, {"colunm": "CW"})

    assert response.status_code == 400
    assert response.json()["code"] == "unknown-parameter"


def test_the_provider_list_query_count_does_not_grow_with_the_page(api_client, reference, django_assert_num_queries):
    with django_assert_num_queries(PROVIDER_LIST_QUERIES):
        small = api_client.get(PROVIDERS, {"page_size": 2})
    with django_assert_num_queries(PROVIDER_LIST_QUERIES):
        full = api_client.get(PROVIDERS, {"page_size": 100})

    assert len(small.json()["results"]) == 2
    assert len(full.json()["results"]) == 17


def test_the_state_list_is_the_same_whoever_asks(api_client, token_client, state_a_official, reference):
    anonymous = api_client.get(STATES, {"page_size": 500}).json()
    official = token_client(state_a_official).get(STATES, {"page_size": 500}).json()

    assert anonymous == official
    assert State.objects.count() == anonymous["count"]


def test_a_filtered_provider_list_runs_a_constant_number_of_queries(api_client, reference, django_assert_num_queries):
    # area and region: one query each to check the value exists; the column filter adds none.
    with django_assert_num_queries(PROVIDER_LIST_QUERIES + 2):
        response = api_client.get(PROVIDERS, {"area": "TRAINING", "region": "African", "column": "BW"})

    assert slugs(response) == {"unoda", "unicri", "unodc-tpb", "interpol", "wco", "who", "woah", "eu-p2p", "us-exbs"}
