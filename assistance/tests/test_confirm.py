"""The confirmation pages before the irreversible actions on an assistance request (the State
withdraws it, the lead provider marks it delivered): what each shows, that opening one changes
nothing, that its form posts to the action's own URL, the same access as the action for every
role, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance import services
from assistance.models import AssistanceRequest, Match, ProgressReport
from assistance.tests.helpers import routed_request
from matrices.tests.helpers import draft
from portal.audit.models import AuditEvent
from portal.testing.factories import UserFactory
from portal.testing.pages import logged_in, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _every_fitting_provider_is_matched(settings):
    settings.ASSISTANCE_MAX_MATCHES = 20


def need(matrix, description, rows=("OP2.MANUFACTURE",)):
    return {
        "description": description,
        "cells": [{"matrix": matrix.pk, "row": row, "column": "CW", "aspect": "framework"} for row in rows],
    }


@pytest.fixture
def matrix_a(state_a, state_a_official):
    return draft(state_a, state_a_official)


@pytest.fixture
def shared(state_a, state_a_official, matrix_a):
    """A Jamaican request on nuclear and chemical legislation, routed to OPCW and IAEA among others."""
    req = routed_request(
        state_a,
        state_a_official,
        columns=["NW", "CW"],
        title="Model law on CBRN offences",
        needs=[need(matrix_a, "Review the draft CBRN bill"), need(matrix_a, "Train prosecutors", rows=())],
    )
    assert {"opcw", "iaea"} <= set(req.matches.values_list("provider__slug", flat=True))
    return req


@pytest.fixture
def claimed(shared, provider_chemical, provider_nuclear):
    """The shared request claimed by the OPCW, supported by the IAEA, with one progress report."""
    services.claim(shared, acting_user=provider_chemical)
    shared.refresh_from_db()
    services.join(shared, acting_user=provider_nuclear)
    services.report_progress(shared, note="Workshop held in Kingston.", acting_user=provider_chemical)
    shared.refresh_from_db()
    return shared


def snapshot(req):
    req = AssistanceRequest.objects.get(pk=req.pk)
    return (
        req.status,
        req.claimed_by_id,
        req.withdrawn_at,
        req.delivered_at,
        req.delivery_summary,
        list(Match.objects.filter(request=req).values_list("provider_id", "supporting_since").order_by("provider_id")),
        ProgressReport.objects.filter(request=req).count(),
        AuditEvent.objects.count(),
    )


def url(name, req):
    return reverse(f"assistance:{name}", args=[req.pk])


# --- Withdraw ---------------------------------------------------------------------------------------


def test_the_withdraw_confirmation_lists_the_needs_and_the_providers_told(page_clients, shared):
    before = snapshot(shared)
    response = page_clients["official_a"].get(url("confirm_withdraw", shared))
    assert response.status_code == 200
    assert snapshot(shared) == before
    providers = text_of(response, "confirm-providers")
    names = list(shared.matches.values_list("provider__name", flat=True))
    assert len(names) >= 2 and all(name in providers for name in names)
    assert providers.count("matched") == len(names)
    html = response.content.decode()
    assert "Review the draft CBRN bill" in html and "Train prosecutors" in html
    assert "OP2.MANUFACTURE" in html
    assert "This cannot be undone" in text_of(response, "confirm-effect")
    assert f'action="{url("withdraw_request", shared)}"' in html
    assert f'href="{url("request_detail", shared)}" data-confirm-cancel>Cancel' in html
    response = page_clients["official_a"].post(url("withdraw_request", shared))
    assert snapshot(shared)[0] == "withdrawn"


def test_withdrawing_a_claimed_request_names_its_lead_and_supporters(page_clients, claimed):
    response = page_clients["official_a"].get(url("confirm_withdraw", claimed))
    assert text_of(response, "confirm-effect").endswith(
        f"{claimed.claimed_by.name} is working on it now: its work stops."
    )
    providers = text_of(response, "confirm-providers")
    assert providers.index("claimed it: lead") < providers.index("supporting")


def test_a_refused_withdrawal_is_said_up_front(page_clients, shared, state_a_official):
    services.withdraw(shared, acting_user=state_a_official)
    response = page_clients["official_a"].get(url("confirm_withdraw", shared))
    assert response.status_code == 409 == page_clients["official_a"].post(url("withdraw_request", shared)).status_code
    assert "Cannot withdraw a request that is withdrawn." in text_of(response, "confirm-refusal")
    assert f'action="{url("withdraw_request", shared)}"' not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("official_a", 200),
        ("official_b", 403),  # the request is public (consent to publish), but not theirs
        ("expert", 403),
        ("opcw", 403),
        ("iaea", 403),
        ("admin", 403),
    ],
)
def test_the_withdraw_confirmation_is_for_the_states_officials(page_clients, who, expected, shared):
    before = snapshot(shared)
    assert page_clients[who].get(url("confirm_withdraw", shared)).status_code == expected
    assert snapshot(shared) == before
    if expected != 200:  # exactly what the action answers
        assert page_clients[who].post(url("withdraw_request", shared)).status_code == expected
        assert snapshot(shared) == before


def test_another_states_private_request_is_not_found(page_clients, state_a, state_a_official):
    private = routed_request(state_a, state_a_official, consent_to_publish=False)
    assert page_clients["official_b"].get(url("confirm_withdraw", private)).status_code == 404
    assert page_clients["official_b"].post(url("withdraw_request", private)).status_code == 404


def test_the_official_page_links_withdraw_to_the_confirmation(page_clients, shared):
    html = page_clients["official_a"].get(url("request_detail", shared)).content.decode()
    assert f'href="{url("confirm_withdraw", shared)}"' in html


# --- Deliver ----------------------------------------------------------------------------------------


def test_the_deliver_confirmation_is_the_form_with_a_summary_above(page_clients, claimed):
    before = snapshot(claimed)
    response = page_clients["opcw"].get(url("confirm_deliver", claimed))
    assert response.status_code == 200
    assert snapshot(claimed) == before
    effect = text_of(response, "confirm-effect")
    assert "Jamaica is asked for its feedback, which closes the request" in effect
    assert "turnaround" in effect and "The supporting providers' work ends too." in effect
    summary = text_of(response, "confirm-summary")
    assert "Jamaica JAM" in summary
    assert "Specific needs 2" in summary
    assert "Progress reports 1" in summary
    assert "International Atomic Energy Agency" in summary
    html = response.content.decode()
    assert f'action="{url("provider_deliver", claimed)}"' in html
    assert 'name="summary"' in html
    assert f'href="{url("provider_request", claimed)}" data-confirm-cancel>Cancel' in html
    response = page_clients["opcw"].post(url("provider_deliver", claimed), {"summary": "Bill reviewed."})
    assert response.status_code == 302
    claimed.refresh_from_db()
    assert (claimed.status, claimed.delivery_summary) == ("delivered", "Bill reviewed.")


def test_the_provider_page_links_to_the_confirmation_and_keeps_a_refused_summary(page_clients, claimed):
    html = page_clients["opcw"].get(url("provider_request", claimed)).content.decode()
    assert f'href="{url("confirm_deliver", claimed)}"' in html
    assert f'action="{url("provider_deliver", claimed)}"' not in html
    # A summary the form refuses after confirming comes back on the request's page, to fix there.
    response = page_clients["opcw"].post(url("provider_deliver", claimed), {"summary": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say what was delivered." in html and f'action="{url("provider_deliver", claimed)}"' in html
    assert snapshot(claimed)[0] == "claimed"


def test_a_refused_delivery_is_said_up_front(page_clients, shared):
    response = page_clients["opcw"].get(url("confirm_deliver", shared))
    assert response.status_code == 409
    assert page_clients["opcw"].post(url("provider_deliver", shared), {"summary": "Done"}).status_code == 409
    assert "Cannot deliver a request that is routed." in text_of(response, "confirm-refusal")
    assert 'name="summary"' not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("official_a", 403),
        ("official_b", 403),
        ("expert", 403),
        ("opcw", 200),
        ("iaea", 403),  # supporting, not the lead
        ("admin", 403),
    ],
)
def test_the_deliver_confirmation_is_for_the_lead_provider(page_clients, who, expected, claimed):
    before = snapshot(claimed)
    assert page_clients[who].get(url("confirm_deliver", claimed)).status_code == expected
    assert snapshot(claimed) == before
    if expected != 200:
        assert page_clients[who].post(url("provider_deliver", claimed), {"summary": "Done"}).status_code == expected
        assert snapshot(claimed) == before


def test_a_provider_the_request_was_not_routed_to_gets_not_found(claimed):
    from assistance.models import Provider

    outsider = UserFactory(
        username="unmatched-staff",
        role="provider",
        provider=Provider.objects.create(slug="nobody", name="Nobody", active=True),
    )
    client = logged_in(outsider)
    assert client.get(url("confirm_deliver", claimed)).status_code == 404
    assert client.post(url("provider_deliver", claimed), {"summary": "Done"}).status_code == 404


def test_the_confirmations_need_no_post(page_clients, claimed):
    assert page_clients["official_a"].post(url("confirm_withdraw", claimed)).status_code == 405
    assert page_clients["opcw"].post(url("confirm_deliver", claimed), {"summary": "x"}).status_code == 405
    assert snapshot(claimed)[0] == "claimed"


# --- Queries ----------------------------------------------------------------------------------------

QUERY_BUDGET = 16


def queries_of(client, address):
    with CaptureQueriesContext(connection) as measured:
        assert client.get(address).status_code == 200
    return len(measured)


def sized_request(state, official, matrix, *, large):
    rows = ["OP2.MANUFACTURE", "OP2.USE", "OP2.ACQUIRE", "OP2.STOCKPILE", "OP2.DEVELOP", "OP2.TRANSFER"]
    needs = [need(matrix, f"Need {n}", rows=rows if large else rows[:1]) for n in range(8 if large else 1)]
    return routed_request(state, official, columns=["NW", "CW"], needs=needs)


def test_the_confirmation_pages_run_the_same_queries_whatever_the_size(
    page_clients, state_a, state_a_official, matrix_a, provider_chemical, provider_nuclear, django_assert_num_queries
):
    small = sized_request(state_a, state_a_official, matrix_a, large=False)
    large = sized_request(state_a, state_a_official, matrix_a, large=True)
    for req in (small, large):
        services.claim(req, acting_user=provider_chemical)
        services.join(AssistanceRequest.objects.get(pk=req.pk), acting_user=provider_nuclear)
    for who, name in (("official_a", "confirm_withdraw"), ("opcw", "confirm_deliver")):
        count = queries_of(page_clients[who], url(name, small))
        assert count <= QUERY_BUDGET
        with django_assert_num_queries(count):
            response = page_clients[who].get(url(name, large))
        assert response.content.decode().count("Need ") >= 8
