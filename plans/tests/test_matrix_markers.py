"""The public matrix page marks the cells a measure of the State's latest published action plan covers;
never a draft's or a shared version's; a newly published version shows at once (the page's cache key
holds the plan's version)."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from matrices import cache as matrix_cache
from matrices import services as matrix_services
from matrices.models import Regime
from plans import services
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db
PAGE = "/states/JAM/1540/"
COVERED = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}
OTHER = {"row": "OP2.MANUFACTURE", "column": "BW", "aspect": "enforcement"}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    matrix_cache.local_pages.clear()
    yield
    cache.clear()
    matrix_cache.local_pages.clear()


@pytest.fixture
def matrix(state_a, state_a_official, expert):
    """Jamaica's published 1540 matrix."""
    draft = matrix_services.start_draft(state_a, Regime.objects.get(code="1540"), acting_user=state_a_official)
    cells = [{**COVERED, "mark": "X", "source": "Chemical Weapons Act 2024, s. 3"}]
    matrix_services.update_cells(draft, cells, acting_user=state_a_official)
    matrix_services.submit(draft, acting_user=state_a_official)
    matrix_services.approve(draft, acting_user=expert)
    return matrix_services.set_consent(draft, consent=True, acting_user=state_a_official)


def plan_version(state, official, measure, cells, *, publish=True, share=True):
    plan = services.create(state, {"summary": "Close the chemical gaps by 2028."}, acting_user=official)
    for inherited in plan.items.all():  # a new version starts from the last one's items
        services.delete_item(inherited, acting_user=official)
    services.add_item(plan, {"measure": measure, "cells": cells, "status": "under_way"}, acting_user=official)
    if share:
        services.submit(plan, acting_user=official)
    if publish:
        plan = services.consent(plan, acting_user=official)
    return plan


def cell_html(response, cell):
    assert response.status_code == 200
    anchor = "cell-{}-{}-{}".format(cell["row"].replace(".", "-"), cell["column"], cell["aspect"])
    found = re.search(rf'<td id="{anchor}"[^>]*>(.*?)</td>', response.content.decode(), re.S)
    assert found, anchor
    return found.group(1)


def markers(response, cell):
    return re.findall(r'<span class="visually-hidden">(In the action plan: [^<]*)</span>', cell_html(response, cell))


def test_a_covered_cell_shows_the_measure_and_its_status_an_uncovered_one_nothing(matrix, state_a, state_a_official):
    plan_version(state_a, state_a_official, "Adopt the Chemical Weapons Act", [COVERED])

    response = Client().get(PAGE)

    assert markers(response, COVERED) == ["In the action plan: Adopt the Chemical Weapons Act, under way"]
    assert 'title="In the action plan: Adopt the Chemical Weapons Act, under way"' in cell_html(response, COVERED)
    assert markers(response, OTHER) == []
    assert "cell-annotation" not in cell_html(response, OTHER)


def test_a_new_published_version_marks_its_cells_at_once_despite_the_cache(
    matrix, state_a, state_a_official, django_assert_num_queries
):
    plan_version(state_a, state_a_official, "Adopt the Chemical Weapons Act", [COVERED])
    client = Client()
    assert markers(client.get(PAGE), OTHER) == []
    with django_assert_num_queries(2):  # from the cache: the matrix's versions and the plan's version
        assert markers(client.get(PAGE), COVERED) == ["In the action plan: Adopt the Chemical Weapons Act, under way"]

    plan_version(state_a, state_a_official, "Train the biosafety inspectors", [OTHER])
    response = client.get(PAGE)

    assert markers(response, OTHER) == ["In the action plan: Train the biosafety inspectors, under way"]
    assert markers(response, COVERED) == [], "the latest published version only: its measure was dropped"


@pytest.mark.parametrize("shared", [False, True])
def test_a_draft_or_a_shared_version_never_marks_a_cell(matrix, state_a, state_a_official, expert, shared):
    plan_version(state_a, state_a_official, "Unpublished measure", [COVERED], publish=False, share=shared)
    for client in (Client(), logged_in(state_a_official), logged_in(expert)):
        response = client.get(PAGE)
        assert markers(response, COVERED) == []
        assert "Unpublished measure" not in response.content.decode()
