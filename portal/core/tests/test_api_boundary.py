"""The API's strict boundary: every body is checked for its documented types before any service
runs, bad input is a 4xx with one error shape and changes nothing, and every endpoint treats query
parameters and paging values alike (portal/core/api.py)."""

import json

import pytest
from django.urls import get_resolver
from rest_framework.views import APIView

from assistance.models import AssistanceRequest
from assistance.tests.helpers import draft_request, template
from matrices.models import Cell
from matrices.tests.helpers import draft, published
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
REQUESTS = "/api/v1/assistance/requests/"


@pytest.fixture
def official(token_client, state_a_official):
    return token_client(state_a_official)


def counts():
    return AssistanceRequest.objects.count(), Cell.objects.count(), AuditEvent.objects.count()


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) <= {"code", "detail", "errors"} and body["detail"], body
    if code:
        assert body["code"] == code, body
    return body


# -- Bodies -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["false", "true", 0, 1, "no", None, [], {}])
def test_consent_to_publish_is_a_json_boolean_or_refused(official, value):
    before = counts()
    body = assert_error(official.post(REQUESTS, template(consent_to_publish=value), format="json"), 400, "invalid")
    assert list(body["errors"]) == ["consent_to_publish"]
    assert counts() == before


def test_a_string_false_never_publishes_a_request_through_patch(official, state_a, state_a_official):
    request = draft_request(state_a, state_a_official, consent_to_publish=False)
    response = official.patch(f"{REQUESTS}{request.pk}/", {"consent_to_publish": "false"}, format="json")
    assert_error(response, 400, "invalid")
    request.refresh_from_db()
    assert request.consent_to_publish is False


def test_services_refuse_a_consent_that_is_not_a_boolean(state_a, state_a_official):
    from assistance import services
    from portal.core.exceptions import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        services.create(state_a, template(consent_to_publish="false"), acting_user=state_a_official)
    assert "consent_to_publish" in refused.value.errors


def _need_cell(matrix_id, **overrides):
    return {"matrix": matrix_id, "row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework", **overrides}


@pytest.mark.parametrize(
    ("needs", "columns", "path"),
    [
        ([{"description": "Help", "cells": False}], ["CW"], ("needs", "0", "cells")),
        ([{"description": "Help", "cells": [_need_cell(1, row=["a"])]}], ["CW"], ("needs", "0", "cells", "0", "row")),
        ([{"description": "Help", "cells": [_need_cell(1, aspect=["framework"])]}], ["CW"], ("needs", "0", "cells")),
        ([{"description": "Help", "cells": [_need_cell(2**70)]}], ["CW"], ("needs", "0", "cells", "0", "matrix")),
        ([{"description": "Help", "cells": [_need_cell("1")]}], ["CW"], ("needs", "0", "cells", "0", "matrix")),
        ([{"description": ["Help"]}], ["CW"], ("needs", "0", "description")),
        ([{"description": "Help", "extra": 1}], ["CW"], ("needs", "0", "extra")),
        ([], [["NW"]], ("columns",)),
        ([], "CW", ("columns",)),
    ],
)
def test_malformed_templates_are_refused_field_by_field(official, needs, columns, path):
    before = counts()
    body = assert_error(official.post(REQUESTS, template(needs=needs, columns=columns), format="json"), 400)
    errors = body["errors"]
    for key in path:
        if not isinstance(errors, dict):
            break
        assert key in errors, body
        errors = errors[key]
    assert counts() == before


@pytest.mark.parametrize("field", ["title", "contact_person", "beneficiary_agencies"])
@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\ud800"])
def test_control_characters_in_text_are_refused(official, field, character):
    before = counts()
    data = json.dumps(template(**{field: f"Penal provisions{character}"}))  # escaped as JSON allows
    body = assert_error(official.generic("POST", REQUESTS, data, content_type="application/json"), 400)
    assert field in body["detail"]
    assert counts() == before


def test_line_breaks_and_tabs_are_text(official):
    data = template(beneficiary_agencies="Ministry of Justice\r\nCustoms\tand Excise")
    assert official.post(REQUESTS, data, format="json").status_code == 201


def test_a_control_character_in_a_need_or_a_cell_is_refused(official, state_a, state_a_official):
    need = template(needs=[{"description": "Review\x00", "cells": []}])
    assert_error(official.post(REQUESTS, need, format="json"), 400, "invalid-character")
    matrix = draft(state_a, state_a_official)
    cell = {"row": "OP2.MANUFACTURE", "column": "CW", "mark": "X", "source": "Act\x00 5"}
    before = counts()
    assert_error(official.patch(f"/api/v1/matrices/{matrix.pk}/cells/", {"cells": [cell]}, format="json"), 400)
    assert counts() == before


def test_a_control_character_in_a_field_name_is_refused(official):
    assert_error(official.post(REQUESTS, {**template(), "ti\x00tle": "x"}, format="json"), 400, "invalid-character")


def test_unknown_body_fields_are_refused_not_ignored(official, state_a, state_a_official):
    before = counts()
    body = assert_error(official.post(REQUESTS, {**template(), "consent_to_publsh": True}, format="json"), 400)
    assert list(body["errors"]) == ["consent_to_publsh"]
    assert counts() == before
    matrix = draft(state_a, state_a_official)
    response = official.post(f"/api/v1/matrices/{matrix.pk}/consent/", {"consnt": False}, format="json")
    assert list(assert_error(response, 400)["errors"]) == ["consnt"]


def test_read_only_fields_sent_back_are_ignored(official, state_a, state_a_official):
    """A client may send back what it read: a cell's derived_from, a user's role."""
    matrix = draft(state_a, state_a_official)
    cell = {"row": "OP2.MANUFACTURE", "column": "CW", "mark": "X", "source": "Act 5", "derived_from": None}
    assert official.patch(f"/api/v1/matrices/{matrix.pk}/cells/", {"cells": [cell]}, format="json").status_code == 200


@pytest.mark.parametrize("value", ["5", 4.5, True, 0, 6])
def test_a_rating_is_an_integer_from_1_to_5(token_client, state_a_official, state_a, value):
    request = draft_request(state_a, state_a_official)
    response = token_client(state_a_official).post(
        f"{REQUESTS}{request.pk}/feedback/", {"rating": value}, format="json"
    )
    assert list(assert_error(response, 400)["errors"]) == ["rating"]


def test_deep_nesting_is_a_400_not_a_crash(official):
    before = counts()
    deep = "[" * 100_000 + "]" * 100_000
    response = official.generic("POST", REQUESTS, deep, content_type="application/json")
    assert_error(response, 400, "parse-error")
    moderately = {"title": "x", "needs": json.loads("[" * 40 + "]" * 40)}
    assert_error(official.post(REQUESTS, moderately, format="json"), 400, "parse-error")
    assert counts() == before


def test_an_oversized_body_is_a_413(official, settings):
    settings.API_MAX_BODY_BYTES = 10_000
    before = counts()
    data = template(beneficiary_agencies="x" * 20_000)
    assert_error(official.post(REQUESTS, data, format="json"), 413, "payload-too-large")
    assert counts() == before


def test_malformed_json_and_other_media_types_are_refused(official):
    assert_error(official.generic("POST", REQUESTS, "{'title': 1}", content_type="application/json"), 400)
    assert_error(official.generic("POST", REQUESTS, '{"a": NaN}', content_type="application/json"), 400)
    assert_error(official.generic("POST", REQUESTS, b"\xff\xfe", content_type="application/json"), 400)
    assert_error(official.post(REQUESTS, {"title": "x"}), 415)  # a form post


def test_an_id_too_large_for_the_database_is_a_404(official, api_client):
    huge = "9" * 30
    assert_error(api_client.get(f"{REQUESTS}{huge}/"), 404)
    assert_error(api_client.get(f"/api/v1/matrices/{huge}/"), 404)
    assert_error(official.post(f"{REQUESTS}{huge}/claim/"), 404)


# -- Query parameters and paging ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/regimes/1540/template/?foo=1",
        "/api/v1/gaps/?state=JAM&foo=1",
        "/api/v1/states/JAM/?region=African",
        "/api/v1/assistance/turnaround/?page=2",
        "/api/v1/me/?x=1",
        "/api/v1/regimes/?page=1",
        "/api/v1/matrices/?regoin=African",
    ],
)
def test_every_endpoint_refuses_unknown_query_parameters(official, url):
    assert_error(official.get(url), 400, "unknown-parameter")


@pytest.mark.parametrize("query", ["page_size=-5", "page_size=0", "page_size=abc", "page_size=501", "page=0", "page=x"])
@pytest.mark.parametrize("path", ["/api/v1/states/", "/api/v1/matrices/", REQUESTS, "/api/v1/assistance/providers/"])
def test_bad_paging_values_are_refused_alike(api_client, path, query):
    assert_error(api_client.get(f"{path}?{query}"), 400, "invalid-parameter")


def test_good_paging_values_still_page(api_client):
    body = api_client.get("/api/v1/states/?page_size=10&page=2").json()
    assert body["count"] == 193 and len(body["results"]) == 10
    assert_error(api_client.get("/api/v1/states/?page=999"), 404, "not-found")


@pytest.mark.parametrize("value", ["JAM\x00", "x" * 201, "\x1b[31m"])
def test_control_characters_and_long_values_in_query_parameters_are_refused(api_client, value):
    assert_error(api_client.get("/api/v1/states/", {"search": value}), 400, "invalid-parameter")


def test_gaps_answers_the_common_error_shape(official):
    body = assert_error(official.get("/api/v1/gaps/"), 400, "invalid")
    assert body["errors"] == {"state": ["Give the State: ?state=ISO3."]}
    assert_error(official.get("/api/v1/gaps/?state=XXX"), 404, "not-found")


def test_every_api_view_is_strict():
    """The boundary is one class: every view under /api/v1/ inherits it."""
    from portal.core.api import StrictQueryMixin

    views = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif (prefix + str(pattern.pattern)).startswith("api/v1/"):
                views.append(getattr(pattern.callback, "cls", None))

    walk(get_resolver().url_patterns)
    api_views = [view for view in views if view is not None and issubclass(view, APIView)]
    assert len(api_views) >= 8
    assert all(issubclass(view, StrictQueryMixin) for view in api_views), api_views


def test_the_schema_says_what_is_accepted(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    request_input = schema["components"]["schemas"]["RequestInputRequest"]
    assert request_input["additionalProperties"] is False
    assert request_input["properties"]["consent_to_publish"]["type"] == "boolean"
    assert "pattern" in request_input["properties"]["title"]
    claim = schema["paths"]["/api/v1/assistance/requests/{id}/claim/"]["post"]["responses"]
    assert {"400", "404", "409", "413"} <= set(claim)


def test_published_matrices_still_read_without_token(api_client, state_a, state_a_official, expert):
    matrix = published(state_a, state_a_official, expert)
    assert api_client.get(f"/api/v1/matrices/{matrix.pk}/").status_code == 200


# -- The services, as a second line -------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"needs": [{"description": "Help", "cells": True}]},
        {"needs": [{"description": "Help", "cells": [{"matrix": [1], "row": "OP2.MANUFACTURE", "column": "CW"}]}]},
        {"needs": [{"description": "Help", "cells": [{"matrix": 2**70, "row": "OP2.MANUFACTURE", "column": "CW"}]}]},
        {"needs": [{"description": "Help", "cells": [{"matrix": 1, "row": ["a"], "column": "CW"}]}]},
        {"needs": [{"description": "Help\x00"}]},
        {"columns": [["NW"]]},
        {"area": ["LEGISLATION"]},
        {"title": "Penal\x1bprovisions"},
    ],
)
def test_services_refuse_malformed_templates_without_crashing(state_a, state_a_official, overrides):
    from assistance import services
    from portal.core.exceptions import InvalidInput

    with pytest.raises(InvalidInput):
        services.create(state_a, template(**overrides), acting_user=state_a_official)


@pytest.mark.parametrize(
    "cell",
    [
        {"row": ["OP2.MANUFACTURE"], "column": "CW"},
        {"row": "OP2.MANUFACTURE", "column": ["CW"]},
        {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": {"a": 1}},
        {"row": "OP2.MANUFACTURE", "column": "CW", "mark": "X", "source": "Act\x00"},
    ],
)
def test_services_refuse_malformed_cells_without_crashing(state_a, state_a_official, cell):
    from matrices import services
    from portal.core.exceptions import InvalidInput

    matrix = draft(state_a, state_a_official)
    with pytest.raises(InvalidInput):
        services.update_cells(matrix, [cell], acting_user=state_a_official)


@pytest.mark.parametrize(
    "url", ["/states/?search=JAM%00", "/search/?q=Act%1b", "/assistance/?area=%00", "/matrices/?x%00=1"]
)
def test_pages_refuse_control_characters_in_the_query(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "control character" in response.content.decode()


@pytest.mark.parametrize("url", ["/states/JA%00/", "/api/v1/states/J%00M/", "/api/v1/assistance/providers/op%00cw/"])
def test_a_control_character_in_a_path_is_a_404(client, url):
    assert client.get(url).status_code == 404


def test_the_api_settings_import_in_any_order():
    """A worker reads the pagination setting before any view is imported (Django's checks): the
    parser it leads to must not need rest_framework.views half-imported."""
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from rest_framework.settings import api_settings; "
        "api_settings.DEFAULT_PAGINATION_CLASS; api_settings.DEFAULT_PARSER_CLASSES"
    )
    env = {"DJANGO_SETTINGS_MODULE": "portal.settings", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "url", ["/api/v1/matrices/?status=", "/api/v1/plans/?status=", "/api/v1/assistance/offers/?confirmed= "]
)
def test_an_empty_value_for_a_filter_with_a_list_of_values_is_refused(api_client, reference, url):
    """`?status=` is a mistake, not "any status": it is refused rather than answered with everything."""
    response = api_client.get(url)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid-parameter"
