"""A State's page as the one place for the State: treaty status, organisations, matrices, national reports,
the action plan and its progress, the contacts designated, the published assistance requests and the help
delivered, for everyone; and, in the same sections, what the State's officials, the Committee's experts and
providers' staff may see and do besides."""

import pytest

from assistance import services as assistance
from assistance.tests.helpers import draft_request, routed_request
from plans import services as plans
from plans.models import Plan
from portal.testing.pages import logged_in, text_of
from states import contacts

pytestmark = pytest.mark.django_db

CONTACT_NAME = "Ms Dorothea Contactperson"


@pytest.fixture
def jamaica(state_a, state_a_official, provider_chemical):
    """Jamaica with a published plan and a draft of the next version, a point of contact, and requests:
    published and routed, routed without consent to publish, a draft, and one delivered by the OPCW."""
    routed_request(state_a, state_a_official, title="Published routed request")
    routed_request(state_a, state_a_official, title="Confidential routed request", consent_to_publish=False)
    draft_request(state_a, state_a_official, title="Draft request not yet submitted")
    delivered = routed_request(state_a, state_a_official, title="Delivered request", preferred_providers=["opcw"])
    assistance.claim(delivered, acting_user=provider_chemical)
    delivered.refresh_from_db()
    assistance.deliver(delivered, summary="Bill reviewed with the drafters", acting_user=provider_chemical)
    contacts.create(
        state_a,
        {"kind": "1540_poc", "name": CONTACT_NAME, "email": "poc@example.org", "languages": ["en"]},
        acting_user=state_a_official,
    )
    plan = plans.create(state_a, {"summary": "Published plan summary"}, acting_user=state_a_official)
    plans.add_item(plan, {"measure": "Adopt the chemical weapons bill", "status": "done"}, acting_user=state_a_official)
    plans.add_item(plan, {"measure": "Adopt a control list"}, acting_user=state_a_official)
    plans.submit(plan, acting_user=state_a_official)
    plans.consent(plan, acting_user=state_a_official)
    plans.create(state_a, {"summary": "Draft plan summary, still private"}, acting_user=state_a_official)
    return state_a


def page(user):
    response = logged_in(user).get("/states/JAM/")
    assert response.status_code == 200
    return response


# ---------------------------------------------------------------------------------------------
# The public


def test_the_public_sees_every_part_with_an_in_page_navigation(client, jamaica):
    response = client.get("/states/JAM/")
    nav = text_of(response, "state-page-nav")
    html = response.content.decode()

    for label in ("Treaty status", "Organisations", "Matrices", "National reports", "Action plan", "Contacts"):
        assert label in nav
    for anchor in ("#profile", "#organisations", "#matrices", "#national-reports", "#action-plan", "#contacts"):
        assert f'href="{anchor}"' in html
        assert f'id="{anchor[1:]}"' in html
    assert 'href="#assistance"' in html and 'id="assistance"' in html
    assert "For you" not in nav and 'id="your-links"' not in html


def test_the_public_sees_published_requests_and_the_help_delivered_only(client, jamaica):
    response = client.get("/states/JAM/")
    assistance_text = text_of(response, "assistance")

    assert "Published routed request" in text_of(response, "published-requests")
    assert "Delivered request" in text_of(response, "published-requests")
    assert "Confidential routed request" not in response.content.decode()
    assert "Draft request not yet submitted" not in response.content.decode()
    delivered = text_of(response, "delivered-requests")
    assert "Delivered request" in delivered and "Organisation for the Prohibition of Chemical Weapons" in delivered
    assert "Published routed request" not in delivered
    assert 'href="/assistance/?state=JAM"' in response.content.decode()
    assert "Open requests" not in assistance_text and "matched to" not in assistance_text


def test_the_public_sees_the_published_plan_and_which_contacts_are_designated_never_drafts_or_names(client, jamaica):
    response = client.get("/states/JAM/")
    html = response.content.decode()

    assert "Action plan, version 1" in text_of(response, "action-plan")
    assert 'href="/states/JAM/plan/"' in html
    assert "Draft plan summary" not in html and "Version 2 is" not in html
    designated = text_of(response, "contacts-designated")
    assert "designated 1540 national point of contact" in designated
    assert CONTACT_NAME not in html and "poc@example.org" not in html


# ---------------------------------------------------------------------------------------------
# The State's officials, the Committee's experts, providers' staff


def test_the_states_official_sees_their_links_open_requests_contacts_and_draft(jamaica, state_a_official):
    response = page(state_a_official)
    html = response.content.decode()
    links = text_of(response, "your-links")

    assert "Your matrices workspace" in links and "Your points of contact" in links
    assert "Your action plan" in links and 'href="/plans/"' in response.content.decode()
    assert 'href="/states/JAM/contacts/"' in html and 'href="/assistance/requests/"' in html
    assert 'href="#your-links"' in html
    opened = text_of(response, "assistance-open")
    assert "Draft: 1" in opened and "Routed: 2" in opened and "Open requests 3" in opened
    assert CONTACT_NAME in text_of(response, "contacts")
    assert "Version 2 is draft" in text_of(response, "action-plan")
    # What the public sees stays as it is: the confidential request is not listed as published.
    assert "Confidential routed request" not in text_of(response, "published-requests")


def test_another_states_official_sees_what_the_public_sees(jamaica, state_b_official):
    response = page(state_b_official)
    html = response.content.decode()

    assert 'id="your-links"' not in html and 'id="assistance-open"' not in html
    assert CONTACT_NAME not in html and "Draft plan summary" not in html and "Version 2 is" not in html


def test_an_expert_sees_review_links_open_requests_and_contacts(jamaica, expert):
    response = page(expert)
    links = text_of(response, "your-links")

    assert "Matrices to review" in links and "The State's assistance requests" in links
    assert "Action plans to review" in links and 'href="/plans/review/"' in response.content.decode()
    assert 'href="/assistance/expert/?state=JAM"' in response.content.decode()
    assert "Open requests 3" in text_of(response, "assistance-open")
    assert CONTACT_NAME in text_of(response, "contacts")
    assert "Your matrices workspace" not in links


def test_a_matched_provider_sees_the_requests_it_is_matched_to_and_the_contacts(jamaica, provider_chemical):
    response = page(provider_chemical)
    matched = text_of(response, "assistance-matched")

    assert "Delivered request" in matched and "Confidential routed request" in matched
    assert "Draft request not yet submitted" not in matched
    assert "Your inbox" in text_of(response, "your-links")
    assert CONTACT_NAME in text_of(response, "contacts")
    assert 'id="assistance-open"' not in response.content.decode()


def test_a_provider_not_matched_sees_no_request_of_its_own_and_no_contact(jamaica, provider_nuclear):
    response = page(provider_nuclear)

    assert "None of the State's requests has been routed to your organisation." in text_of(
        response, "assistance-matched"
    )
    assert CONTACT_NAME not in response.content.decode()


# ---------------------------------------------------------------------------------------------
# A constant number of queries for each kind of visitor


# The page's own queries and the matrices' (states/tests/test_pages.py), the national reports' (the reports;
# the versions citing them when there are some), the plan's (the published version with its items), the contacts' (the
# kinds designated), and the assistance part's (the published requests, the deliveries): 11 for the public.
# A logged-in visitor adds the session and the user (2) and, by role: an official the open requests' counts,
# the plan version being worked on and the contacts (3); an expert the open requests' counts and the
# contacts (2); a provider's staff the matched requests, whether they are working on one of the State's
# requests, and the contacts (3).
QUERIES = {"public": 11, "official": 16, "expert": 16, "provider": 16}


@pytest.fixture
def visitors(state_a_official, expert, provider_chemical):
    return {"public": None, "official": state_a_official, "expert": expert, "provider": provider_chemical}


def more_of_everything(state, official, provider):
    for n in range(12):
        routed_request(state, official, title=f"Another published request {n}")
    for n in range(3):
        request = routed_request(state, official, title=f"Another delivered {n}", preferred_providers=["opcw"])
        assistance.claim(request, acting_user=provider)
        request.refresh_from_db()
        assistance.deliver(request, summary="Delivered", acting_user=provider)
    draft = Plan.objects.get(state=state, status="draft")
    for n in range(4):
        plans.add_item(draft, {"measure": f"Measure {n}"}, acting_user=official)
    plans.submit(draft, acting_user=official)
    plans.consent(draft, acting_user=official)
    contacts.create(
        state,
        {"kind": "issue_champion", "name": "Mr Champion", "email": "champion@example.org", "languages": ["en"]},
        acting_user=official,
    )


@pytest.mark.parametrize("visitor", ["public", "official", "expert", "provider"])
def test_the_page_runs_a_constant_number_of_queries_for_each_visitor(
    jamaica, visitors, visitor, state_a_official, provider_chemical, django_assert_num_queries
):
    client = logged_in(visitors[visitor])
    client.get("/states/JAM/")  # the reference lists the page reads are cached after the first visit
    with django_assert_num_queries(QUERIES[visitor]):
        client.get("/states/JAM/")
    more_of_everything(jamaica, state_a_official, provider_chemical)
    with django_assert_num_queries(QUERIES[visitor]):
        response = client.get("/states/JAM/")

    # Ten published requests at most, with a link to all of them on the public assistance page.
    assert text_of(response, "published-requests").count("submitted") == 10
    assert "All the State's published requests" in text_of(response, "assistance")
