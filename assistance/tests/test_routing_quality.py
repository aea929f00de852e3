"""The routing evaluation set: requests as an experienced 1540 expert would route them.

The set (assistance/evaluation/routing_cases.json) is routed against the real reference offers;
docs/performance.md ("Routing quality") keeps its latest figures.
"""

import pytest

from assistance.evaluation import evaluate_cases, load_cases
from assistance.models import AssistanceArea, AssistanceRequest, Column, Provider
from states.models import RegionalGroup, State

pytestmark = pytest.mark.django_db

CASES = load_cases()
# The regional programmes of the reference data, each to be seen both as a must and as a must-not.
PROGRAMMES = {"caricom-1540", "au-1540", "oas-cicte", "osce", "eu-p2p"}


def test_the_set_has_at_least_40_well_formed_cases(reference):
    assert len(CASES) >= 40
    assert len({c["id"] for c in CASES}) == len(CASES)
    slugs = set(Provider.objects.values_list("slug", flat=True))
    for case in CASES:
        assert len(case["must"]) <= 3, case["id"]  # never more than the matches a request gets
        assert not set(case["must"]) & set(case["must_not"]), case["id"]
        assert case.get("first") in (None, *case["must"]), case["id"]  # the first is one of the musts
        assert set(case["must"]) | set(case["must_not"]) <= slugs, case["id"]
        assert case["title"] and case["why"] and case["assistance_type"] and case["language"], case["id"]


def test_the_set_covers_every_area_column_region_and_programme(reference):
    assert {c["area"] for c in CASES} == set(AssistanceArea.objects.values_list("code", flat=True))
    assert {col for c in CASES for col in c["columns"]} == set(Column.values)
    regions = dict(State.objects.values_list("iso3", "region__name"))
    assert {regions[c["state"]] for c in CASES} == set(RegionalGroup.objects.values_list("name", flat=True))
    assert set(Provider.objects.filter(kind=Provider.Kind.REGIONAL).values_list("slug", flat=True)) == PROGRAMMES
    for slug in PROGRAMMES:
        assert any(slug in c["must"] for c in CASES), f"{slug} is never a must"
        assert any(slug in c["must_not"] for c in CASES), f"{slug} is never a must-not"


def test_the_set_is_routed_as_an_expert_would(reference):
    evaluation = evaluate_cases(CASES)
    table = "\n" + evaluation.table()
    assert not evaluation.violations, table
    assert evaluation.recall >= 0.95, table
    assert evaluation.precision >= 0.95, table
    assert evaluation.first >= 0.95, table  # the provider that plainly leads comes first


def test_the_scorer_counts_misses_violations_and_both_precisions(reference):
    kenya = {"title": "t", "state": "KEN", "area": "LEGISLATION", "columns": ["CW"], "why": "w"}
    kenya |= {"assistance_type": "legislative_drafting", "language": "en"}
    cases = [
        {**kenya, "id": "right", "must": ["opcw"], "first": "opcw", "must_not": ["caricom-1540"]},
        {**kenya, "id": "wrong", "must": ["iaea", "vertic"], "first": "vertic", "must_not": ["opcw"]},
    ]
    before = AssistanceRequest.objects.count()
    evaluation = evaluate_cases(cases)
    right, wrong = evaluation.results
    assert right.passed and right.hits == ["opcw"] and len(right.matched) == 3
    assert not wrong.passed and wrong.missed == ["iaea"] and wrong.violations == ["opcw"] and wrong.first_wrong
    assert (evaluation.must_found, evaluation.must_total, evaluation.recall) == (2, 3, 2 / 3)
    assert (evaluation.first_right, evaluation.first_total) == (1, 2)
    assert evaluation.precision == 5 / 6  # six matches, one of them a must-not
    assert evaluation.strict_precision == 2 / 3  # labelled matches: opcw and vertic (must), opcw (must not)
    assert evaluation.violations == [("wrong", "opcw")]
    assert "FAIL wrong" in evaluation.table() and "MUST NOT opcw; vertic must come first" in evaluation.table()
    assert AssistanceRequest.objects.count() == before  # nothing kept
