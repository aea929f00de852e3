"""The public States and organisations pages."""

import re

import pytest

pytestmark = pytest.mark.django_db

# SQL queries of the States list page, whatever the number of rows (pinned: a change must be deliberate):
# States with region, current memberships, treaty statuses, then the region and organisation choices
# of the filter form (one select each, as the widgets render them).
STATE_LIST_QUERIES = 5
# ... plus the matrices the visitor may see, and their coverage per section (rows and marks); then the
# kinds of contact designated (1), and the State's published requests and the help delivered (2).
STATE_DETAIL_QUERIES = 6 + 5  # + contacts designated, published requests, deliveries, national reports, the plan


def row_links(response):
    """The ISO codes of the States listed in the table of the States list page."""
    return re.findall(r'<th scope="row"><a href="/states/([A-Z]{3})/">', response.content.decode())


# The list


def test_the_list_shows_all_193_states(client, reference):
    response = client.get("/states/")

    assert response.status_code == 200
    assert len(row_links(response)) == 193
    assert len(set(row_links(response))) == 193
    assert "193 States" in response.content.decode()


def test_the_list_filters_by_region(client, reference):
    response = client.get("/states/", {"region": "Eastern European"})

    assert response.status_code == 200
    assert len(row_links(response)) == 23
    assert "UKR" in row_links(response)
    assert "JAM" not in row_links(response)


def test_the_list_filters_by_organization_without_former_members(client, reference):
    response = client.get("/states/", {"organization": "ECOWAS"})

    assert len(row_links(response)) == 12
    assert "NGA" in row_links(response)
    assert "MLI" not in row_links(response)


def test_the_list_filters_by_treaty_status(client, reference):
    african_non_parties = client.get("/states/", {"region": "African", "not_party_to": "CWC"})
    npt_parties = client.get("/states/", {"party_to": "npt"})

    assert row_links(african_non_parties) == ["EGY", "SSD"]
    assert len(row_links(npt_parties)) == 193 - 5
    assert "IND" not in row_links(npt_parties)


def test_a_lowercase_treaty_filter_is_shown_as_selected(client, reference):
    response = client.get("/states/", {"not_party_to": "cwc"})

    assert sorted(row_links(response)) == ["EGY", "ISR", "PRK", "SSD"]
    select = re.search(r'<select[^>]*name="not_party_to".*?</select>', response.content.decode(), re.S).group(0)
    assert '<option value="CWC" selected>' in select


def test_the_list_searches_by_name_and_iso_code(client, reference):
    assert row_links(client.get("/states/", {"search": "jama"})) == ["JAM"]
    assert row_links(client.get("/states/", {"search": "KE"})) == ["KEN"]
    assert row_links(client.get("/states/", {"search": "ken"})) == ["KEN"]


def test_the_list_says_when_nothing_matches(client, reference):
    response = client.get("/states/", {"search": "Atlantis"})

    assert response.status_code == 200
    assert row_links(response) == []
    assert "No State matches these filters." in response.content.decode()


@pytest.mark.parametrize(
    ("params", "label"),
    [
        ({"region": "Nope"}, "UN regional group"),
        ({"organization": "NOPE"}, "Regional organisation"),
        ({"party_to": "XYZ"}, "Party to"),
        ({"not_party_to": "XYZ"}, "Not party to"),
    ],
)
def test_an_invalid_filter_answers_400_with_the_reason_on_the_page(client, reference, params, label):
    response = client.get("/states/", params)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Some filters are not valid:" in page
    assert f"<li>{label}: Select a valid choice." in page
    assert row_links(response) == []
    assert "No State matches these filters." not in page


def test_the_search_text_is_escaped_on_the_page(client, reference):
    response = client.get("/states/", {"search": "<script>alert(1)</script>"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_invalid_filter_value_is_escaped_in_the_error_message(client, reference):
    response = client.get("/states/", {"party_to": "<script>alert(1)</script>", "region": '"><img src=x>'})

    page = response.content.decode()
    assert response.status_code == 400
    assert "<script>alert" not in page.lower()
    assert "<img src=x>" not in page
    assert "&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt;" in page


def test_the_list_runs_the_same_queries_for_7_or_193_states(client, reference, django_assert_num_queries):
    with django_assert_num_queries(STATE_LIST_QUERIES):
        few = client.get("/states/", {"search": "guinea"})
    with django_assert_num_queries(STATE_LIST_QUERIES):
        every = client.get("/states/")

    assert len(row_links(few)) == 4
    assert len(row_links(every)) == 193


def test_a_filtered_list_adds_one_query_per_model_choice_filter(client, reference, django_assert_num_queries):
    with django_assert_num_queries(STATE_LIST_QUERIES + 2):
        response = client.get("/states/", {"region": "GRULAC", "organization": "CARICOM", "party_to": "CWC"})

    assert len(row_links(response)) == 14


# One State


def test_a_state_page_shows_its_region_organizations_and_treaty_notes(client, reference):
    response = client.get("/states/EGY/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 class="h2">Egypt</h1>' in page
    assert "Arab Republic of Egypt" in page
    assert '<a href="/states/?region=African">African</a>' in page
    assert '<a href="/organizations/AU/">African Union</a>' in page
    assert '<a href="/organizations/LAS/">League of Arab States</a>' in page
    assert "verified non-party (OPCW statements 2017, 2023)" in page
    assert "signed 1972, not ratified" in page
    assert "status-not_signed" in page
    assert "status-signatory" in page


def test_a_state_page_shows_the_group_note(client, reference):
    page = client.get("/states/ISR/").content.decode()

    assert "WEOG member (New York) since 2000" in page


def test_a_state_page_leaves_out_former_memberships(client, reference):
    page = client.get("/states/MLI/").content.decode()

    assert "/organizations/AU/" in page
    assert "/organizations/ECOWAS/" not in page


def test_a_lowercase_iso_code_redirects_permanently_to_the_uppercase_page(client, reference):
    response = client.get("/states/egy/")

    assert response.status_code == 301
    assert response["Location"] == "/states/EGY/"


def test_an_unknown_iso_code_is_404(client, reference):
    response = client.get("/states/XXX/")

    assert response.status_code == 404
    assert "No UN Member State has the ISO code XXX." in response.content.decode()


def test_a_state_page_runs_a_constant_number_of_queries(client, reference, django_assert_num_queries):
    with django_assert_num_queries(STATE_DETAIL_QUERIES):
        client.get("/states/SSD/")
    with django_assert_num_queries(STATE_DETAIL_QUERIES):
        client.get("/states/FRA/")  # many organisations


# Organisations


def test_the_organizations_page_lists_them_with_current_member_counts(client, reference, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/organizations/")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<a href="/organizations/CARICOM/">Caribbean Community</a>' in page
    assert '<a href="/organizations/OSCE/">' in page
    ecowas = re.search(r"<code>ECOWAS</code>.*?<td>(\d+)</td>", page, re.S).group(1)
    assert ecowas == "12"  # the three former members are not counted


def test_an_organization_page_links_un_members_and_not_the_others(client, reference, django_assert_num_queries):
    # The organisation and its members (2), then the members' 1540 coverage (matrices.coverage, 4 on a
    # cold cache): the same whatever the number of members.
    with django_assert_num_queries(6):
        response = client.get("/organizations/CARICOM/")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<a href="/states/JAM/">Jamaica</a>' in page
    assert '<a href="/states/HTI/">Haiti</a>' in page
    # A member that is not a UN Member State keeps its name as the data gives it, marked as English.
    assert re.search(r'<th scope="row"><span lang="en">Montserrat</span> <span[^>]*>not a UN Member State</span>', page)
    assert re.search(r'<th scope="row"><span lang="en">Bermuda</span> <span[^>]*>not a UN Member State</span>', page)
    assert "associate member" in page
    assert '<a href="/states/?organization=CARICOM">' in page


def test_an_organization_code_is_case_insensitive_and_unknown_is_404(client, reference):
    assert client.get("/organizations/caricom/").status_code == 200
    assert client.get("/organizations/NOPE/").status_code == 404


def test_state_pages_answer_get_only(client, reference):
    assert client.post("/states/").status_code == 405
    assert client.post("/states/JAM/").status_code == 405
