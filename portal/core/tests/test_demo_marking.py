"""Demo data that cannot be mistaken for real: the banner, the API header, the flag that costs no
query, and the provider profiles not confirmed by the provider."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.models import Match, Offer, Provider
from assistance.tests.helpers import routed_request
from portal.audit.models import AuditEvent
from portal.core import demo_marking
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db

BANNER = 'id="demo-data-banner"'
UNCONFIRMED = ">unconfirmed offer</span>"  # the badge (a match's reasons say "unconfirmed offer" too)


@pytest.fixture
def demo_data(reference, django_capture_on_commit_callbacks):
    """A database that holds demo data, as `seed_demo` leaves it (its record, then the cache told on
    commit). This process's own answer is left alone, so nothing outlives the test."""
    with django_capture_on_commit_callbacks(execute=True):
        demo_marking.mark_seeded()
    assert AuditEvent.objects.filter(verb=demo_marking.SEEDED).count() == 1


# ---------------------------------------------------------------------------------------------
# The banner and the header


def test_without_demo_data_no_page_or_response_says_demo(client, reference):
    page = client.get("/")
    api = client.get("/api/v1/states/")

    assert page.status_code == 200 and api.status_code == 200
    assert BANNER not in page.content.decode()
    assert demo_marking.HEADER not in page and demo_marking.HEADER not in api


def test_with_demo_data_every_page_shows_the_banner(client, demo_data, state_a_official):
    for url in ("/", "/states/", "/states/JAM/", "/matrices/", "/assistance/", "/accounts/login/"):
        page = client.get(url).content.decode()
        assert BANNER in page, url
        assert 'role="status"' in page[page.index(BANNER) - 200 : page.index(BANNER)]
        assert "They are not information from or about any State." in page
    workspace = logged_in(state_a_official).get("/workspace/")
    assert BANNER in workspace.content.decode()


def test_with_demo_data_every_api_response_carries_the_header(client, demo_data, token_client, expert):
    for url in ("/api/v1/states/", "/api/v1/regimes/", "/api/v1/assistance/providers/", "/api/v1/states/XYZ/"):
        response = client.get(url)
        assert response[demo_marking.HEADER] == "true", url
    assert token_client(expert).get("/api/v1/me/")[demo_marking.HEADER] == "true"
    # Pages have the banner; the health checks never ask.
    assert demo_marking.HEADER not in client.get("/healthz")


def test_the_flag_costs_no_query_on_a_page_or_an_api_response(
    client, reference, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_assert_num_queries(0):
        assert demo_marking.present() is False
    page_without = _queries(client, "/states/")
    api_without = _queries(client, "/api/v1/regimes/")

    with django_capture_on_commit_callbacks(execute=True):
        demo_marking.mark_seeded()

    with django_assert_num_queries(0):
        assert demo_marking.present() is True
    assert _queries(client, "/states/") == page_without
    assert _queries(client, "/api/v1/regimes/") == api_without


def _queries(client, url):
    """The queries of the page once warm (a first visit may fill caches)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_database_is_asked_once_when_neither_the_cache_nor_the_process_knows(
    reference, monkeypatch, django_assert_num_queries
):
    monkeypatch.setitem(demo_marking._known, "value", None)
    AuditEvent.objects.create(verb="demo.scale", actor_label="system", object_type="matrices.matrix")

    with django_assert_num_queries(1):
        assert demo_marking.present() is True
    with django_assert_num_queries(0):
        assert demo_marking.present() is True
    cache.clear()  # a cache emptied: this process still knows
    with django_assert_num_queries(0):
        assert demo_marking.present() is True


class UnreachableCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("cache down")

    set = get


def test_a_cache_outage_leaves_the_answer_to_the_process(reference, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(demo_marking, "cache", UnreachableCache())

    with django_assert_num_queries(0):
        assert demo_marking.present() is False
    monkeypatch.setitem(demo_marking._known, "value", None)
    with django_assert_num_queries(1):
        assert demo_marking.present() is False


def test_seed_demo_tells_the_pages_when_it_commits(client, reference, django_capture_on_commit_callbacks):
    from portal.accounts.models import Role, User

    # A database seeded before seed_demo recorded it: `make run` (--if-empty) records it now.
    User.objects.create(username="expert", role=Role.EXPERT)
    assert BANNER not in client.get("/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--if-empty", stdout=io.StringIO())

    assert AuditEvent.objects.filter(verb=demo_marking.SEEDED).count() == 1
    assert BANNER in client.get("/").content.decode()
    assert client.get("/api/v1/regimes/")[demo_marking.HEADER] == "true"


# ---------------------------------------------------------------------------------------------
# Provider profiles not confirmed by the provider


@pytest.fixture
def routed(state_a, state_a_official, provider_chemical):
    """A chemical request routed to the OPCW (provider_chemical's organisation) and others."""
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"])
    assert request.status == "routed" and request.matches.filter(provider__slug="opcw").exists()
    assert request.matches.count() > 1
    return request


def test_providers_start_unconfirmed_and_load_reference_never_unconfirms_one(reference):
    assert Provider.objects.exists()
    assert not Provider.objects.filter(confirmed=True).exists()
    Provider.objects.filter(slug="opcw").update(confirmed=True)

    call_command("load_reference", stdout=io.StringIO())

    assert list(Provider.objects.filter(confirmed=True).values_list("slug", flat=True)) == ["opcw"]


def test_the_api_says_whether_a_profile_is_confirmed(api_client, routed, token_client, state_a_official):
    Provider.objects.filter(slug="opcw").update(confirmed=True)

    providers = {p["slug"]: p for p in api_client.get("/api/v1/assistance/providers/").json()["results"]}
    matches = token_client(state_a_official).get(f"/api/v1/assistance/requests/{routed.pk}/").json()["matches"]

    assert providers["opcw"]["confirmed"] is True
    assert providers["iaea"]["confirmed"] is False
    by_provider = {m["provider"]: m["provider_confirmed"] for m in matches}
    assert by_provider["opcw"] is True
    assert len(by_provider) > 1 and all(v is False for slug, v in by_provider.items() if slug != "opcw")


@pytest.mark.parametrize("who", ["official", "expert", "provider", "public"])
def test_every_page_with_matches_marks_the_unconfirmed_offers(who, routed, state_a_official, expert, provider_chemical):
    Offer.objects.filter(provider__slug="opcw").update(confirmed=True)
    unconfirmed = Match.objects.filter(request=routed).exclude(provider__slug="opcw").select_related("provider")
    assert all(m.offer_id for m in unconfirmed)
    assert unconfirmed.exists()
    url, user = {
        "official": (reverse("assistance:request_detail", args=[routed.pk]), state_a_official),
        "expert": (reverse("assistance:expert_request", args=[routed.pk]), expert),
        "provider": (reverse("assistance:provider_request", args=[routed.pk]), provider_chemical),
        "public": (reverse("assistance:public_request", args=[routed.pk]), None),
    }[who]

    page = logged_in(user).get(url).content.decode()

    if who == "provider":  # the OPCW's own page: its offer is confirmed, so no badge
        assert UNCONFIRMED not in page
        Offer.objects.filter(provider__slug="opcw").update(confirmed=False)
        assert UNCONFIRMED in logged_in(user).get(url).content.decode()
        return
    assert page.count(UNCONFIRMED) >= unconfirmed.count()
    for match in unconfirmed:
        assert match.provider.name in page


def test_the_expert_list_and_the_provider_inbox_mark_unconfirmed_offers(routed, expert, provider_chemical):
    listed = logged_in(expert).get(reverse("assistance:expert_requests")).content.decode()
    inbox = logged_in(provider_chemical).get(reverse("assistance:provider_inbox")).content.decode()
    assert UNCONFIRMED in listed and UNCONFIRMED in inbox

    Offer.objects.update(confirmed=True)

    assert UNCONFIRMED not in logged_in(expert).get(reverse("assistance:expert_requests")).content.decode()
    assert UNCONFIRMED not in logged_in(provider_chemical).get(reverse("assistance:provider_inbox")).content.decode()


# ---------------------------------------------------------------------------------------------
# Rows whose wording is not yet confirmed against an official matrix

ROW_MARK = 'class="badge text-bg-light border row-unconfirmed"'


def _row_header(page, code):
    start = page.index(f'<span class="row-code">{code}</span>')
    return page[start : page.index("</th>", start)]


def test_the_matrix_and_compare_pages_mark_the_rows_written_from_memory(
    client, state_a, state_b, state_a_official, state_b_official, expert
):
    from matrices.models import Regime, Row
    from matrices.tests.test_public import filled_cells, publish

    iaea = {"row": "OP1.IAEA", "column": "ALL", "aspect": "framework", "mark": "X", "source": "Safeguards Act 2001"}
    publish(state_a, state_a_official, expert, [*filled_cells(3), iaea])
    publish(state_b, state_b_official, expert, filled_cells(2))
    template = Regime.objects.get(code="1540").templates.order_by("-version").first()
    from_memory = Row.objects.filter(template=template, source_status="memory", retired=False).count()
    assert from_memory == 44

    for url in ("/states/JAM/1540/v1/", "/compare/?regime=1540&a=JAM&b=KEN"):
        page = client.get(url).content.decode()
        assert page.count(ROW_MARK) == from_memory, url
        assert "wording unconfirmed" in _row_header(page, "OP1.IAEA")  # from memory
        assert "wording unconfirmed" not in _row_header(page, "OP1.NPT")  # seen in a matrix excerpt

    found = client.get("/search/", {"q": "Safeguards Act"}).content.decode()
    assert found.count(ROW_MARK) == 1 and "OP1.IAEA" in found
    found = client.get("/search/", {"q": "National Act"}).content.decode()
    assert "OP1.NPT" in found and ROW_MARK not in found
