"""Property-based fuzzing of the REST API (schemathesis + Hypothesis), in-process through WSGI.

Every operation of the published OpenAPI schema (`docs/openapi.yaml`, which CI keeps equal to what
the app serves at /api/schema/, the schema used here) is called anonymously and with the token of
each role: the official of Jamaica, an expert, the staff of the OPCW, and the official's read-only
token. Path parameters point at real objects most of the time: matrices of Jamaica (published,
draft, submitted, approved) and of Kenya (in review, draft); assistance requests (draft, routed,
claimed and delivered by the OPCW, led by another provider, Kenya's), so the deep operations
(`cells`, `claim`, `deliver`, `consent`...) are exercised, not just answered 404.

Per operation and role: hand-written valid requests (the happy paths), the first of them with one
field at a time replaced by a value of the wrong kind, then generated valid and invalid data for
each target object. Every answer must be below 500 and agree with the schema: a documented status
code, the documented content type and headers, a body valid against the documented schema; data
that violates the schema must be refused; an operation whose `security` has no `{}` alternative must
not answer 2xx without a token.

Each example runs in a savepoint that is rolled back, so every example sees the same seeded state.
Generation is seeded per operation, role, target and mode and never uses a Hypothesis example
database, so a run is repeatable. Budget: `PORTAL_FUZZ_EXAMPLES` (default 3) generated examples per
operation, role, target and mode. `PORTAL_FUZZ_REPORT=path` appends every distinct failure (and
per-test status counts) to that file as JSON lines.
"""

import contextlib
import copy
import functools
import io
import json
import os
import tempfile
import traceback
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings
from django.core import signals
from django.core.cache import cache
from django.core.management import call_command
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import Unsatisfiable

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

# Hypothesis keeps caches (never examples: database=None below) out of the working tree.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "portal-hypothesis")

ROLES = ("anonymous", "official", "expert", "provider", "read_only")
EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "3"))
HOSTILE_ROLES = ("official", "expert", "provider")  # the others are refused before any validation
GENERATED = object()  # a target meaning "whatever the generator produces"


# --- the schema -------------------------------------------------------------------------------

COMMITTED_SCHEMA = Path(__file__).resolve().parents[3] / "docs" / "openapi.yaml"
METHODS = ("get", "put", "post", "patch", "delete")


def _operations(raw: dict) -> dict:
    """`METHOD /path` (as schemathesis labels an operation) -> operationId."""
    return {
        f"{method.upper()} {path}": item[method].get("operationId", f"{method} {path}")
        for path, item in raw["paths"].items()
        for method in METHODS
        if method in item
    }


@functools.cache
def committed_operations() -> dict:
    """The operations of docs/openapi.yaml, read without touching the database (for collection)."""
    with COMMITTED_SCHEMA.open(encoding="utf-8") as committed:
        return _operations(yaml.safe_load(committed))


@pytest.fixture(scope="module")
def api_schema(world, django_db_blocker):
    """The schema the running app serves at /api/schema/, loaded through WSGI; calls go in-process."""
    import schemathesis
    from django.core.handlers.wsgi import WSGIHandler

    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


def checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        negative_data_rejection,
    ]


# --- the seeded world -------------------------------------------------------------------------


@dataclass
class World:
    tokens: dict = field(default_factory=dict)  # role -> raw bearer token (anonymous: none)
    matrices: dict = field(default_factory=dict)  # name -> id
    requests: dict = field(default_factory=dict)  # name -> id
    cells: dict = field(default_factory=dict)  # matrix name -> a cell of its template (row, column, aspect)
    plans: dict = field(default_factory=dict)  # name -> id
    plan_items: dict = field(default_factory=dict)  # plan name -> the id of one of its items

    def headers(self, role: str) -> dict:
        token = self.tokens.get(role)
        return {"Authorization": f"Bearer {token}"} if token else {}


def seed_world() -> World:
    """Users, tokens, matrices and requests, built through the services as the real users would."""
    from assistance import services as assistance_services
    from assistance.models import Provider
    from assistance.tests import helpers as requests_helpers
    from matrices import services as matrix_services
    from matrices.models import Matrix
    from matrices.tests import helpers as matrix_helpers
    from portal.accounts.services import issue_token
    from portal.testing.factories import UserFactory
    from states.models import State

    if not State.objects.exists():  # a transactional test flushed the reference data
        call_command("load_reference", stdout=io.StringIO())
    jamaica, kenya = State.objects.get(iso3="JAM"), State.objects.get(iso3="KEN")
    official = UserFactory(username="fuzz-official", role="state_official", state=jamaica)
    kenyan = UserFactory(username="fuzz-official-ken", role="state_official", state=kenya)
    expert = UserFactory(username="fuzz-expert", role="expert")
    opcw = UserFactory(username="fuzz-opcw", role="provider", provider=Provider.objects.get(slug="opcw"))

    world = World()
    for role, user, read_only in (
        ("official", official, False),
        ("expert", expert, False),
        ("provider", opcw, False),
        ("read_only", official, True),
    ):
        world.tokens[role] = issue_token(user, read_only=read_only)[1]

    published = matrix_helpers.published(jamaica, official, expert, "1540", [matrix_helpers.CELL])
    world.matrices["published"] = published.pk
    world.matrices["draft"] = matrix_helpers.draft(jamaica, official, "1540").pk
    world.matrices["submitted"] = matrix_helpers.submitted(jamaica, official, "CWC").pk
    world.matrices["approved"] = matrix_helpers.approved(jamaica, official, expert, "NPT").pk
    # Jamaica has no BWC version yet: its official can start one. Kenya's are not the official's.
    in_review = matrix_helpers.submitted(kenya, kenyan, "1540")
    world.matrices["in_review"] = matrix_services.start_review(in_review, acting_user=expert).pk
    world.matrices["other_state_draft"] = matrix_helpers.draft(kenya, kenyan, "CWC").pk
    for name, pk in world.matrices.items():
        spec = matrix_services.layout(Matrix.objects.get(pk=pk).template)[0]
        world.cells[name] = {"row": spec.row.code, "column": spec.column, "aspect": spec.aspect}

    need_cells = [{"matrix": published.pk, "row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}]
    needs = [{"description": "Review of the draft Chemical Weapons Bill", "cells": need_cells}]
    world.requests["draft"] = requests_helpers.draft_request(jamaica, official, needs=needs).pk

    def routed_to_opcw():
        return requests_helpers.routed_request(jamaica, official, needs=needs, preferred_providers=["opcw"])

    routed = routed_to_opcw()
    assert routed.status == "routed" and routed.matches.filter(provider__slug="opcw").exists(), routed.status
    world.requests["routed"] = routed.pk
    world.requests["claimed"] = assistance_services.claim(routed_to_opcw(), acting_user=opcw).pk
    delivered = assistance_services.claim(routed_to_opcw(), acting_user=opcw)
    world.requests["delivered"] = assistance_services.deliver(
        delivered, summary="Bill reviewed; comments sent.", acting_user=opcw
    ).pk
    world.requests["other_state"] = requests_helpers.routed_request(kenya, kenyan, preferred_providers=["opcw"]).pk
    # Led by another matched provider: the OPCW may join it.
    led_by_other = routed_to_opcw()
    other = led_by_other.matches.exclude(provider__slug="opcw").select_related("provider").first()
    if other is not None:
        lead = UserFactory(username="fuzz-lead", role="provider", provider=other.provider)
        world.requests["led_by_other"] = assistance_services.claim(led_by_other, acting_user=lead).pk
    # Action plans: Jamaica's published version 1 and the draft copied from it; Kenya's shared version.
    from plans import services as plan_services

    plan_cell = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}
    for state, author, stages in ((jamaica, official, ("published", "draft")), (kenya, kenyan, ("other_state",))):
        for name in stages:
            plan = plan_services.create(state, {"summary": "Close the chemical gaps."}, acting_user=author)
            if not plan.items.exists():
                plan_services.add_item(plan, {"measure": "Adopt the Chemical Weapons Act", "cells": [plan_cell]},
                                       acting_user=author)  # fmt: skip
            if name != "draft":
                plan_services.submit(plan, acting_user=author)
            if name == "published":
                plan_services.consent(plan, acting_user=author)
            world.plans[name], world.plan_items[name] = plan.pk, plan.items.first().pk
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Seeded once for the module inside a transaction that is rolled back at the end. Requests go
    through Django's WSGI handler on this same connection, so, as Django's test client does, the
    handler must not close the connection between requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            # schemathesis' WSGI client sends `Host: localhost`; the seeding never reaches a shared Redis.
            ALLOWED_HOSTS=[*django_settings.ALLOWED_HOSTS, "localhost"],
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        ),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield seed_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)


# --- targets and hand-written valid requests ---------------------------------------------------


def path_targets(label: str, world: World) -> list[tuple[str, object]]:
    """(name, path parameters) to fuzz the operation with: real objects first, then generated ones."""
    _, path = label.split(" ", 1)
    if "/plans/{id}/items/{item_id}/" in path:
        targets = [(name, {"id": pk, "item_id": world.plan_items[name]}) for name, pk in world.plans.items()]
        return targets + [("generated", GENERATED)]
    if "/plans/{id}/" in path:
        return [(name, {"id": pk}) for name, pk in world.plans.items()] + [("generated", GENERATED)]
    if "/matrices/{id}/" in path:
        return [(name, {"id": pk}) for name, pk in world.matrices.items()] + [("generated", GENERATED)]
    if "/assistance/requests/{id}/" in path:
        return [(name, {"id": pk}) for name, pk in world.requests.items()] + [("generated", GENERATED)]
    for name, values in (("iso3", ["JAM", "ken"]), ("slug", ["opcw", "iaea"]), ("code", ["1540", "cwc"])):
        if f"{{{name}}}" in path:
            return [(value, {name: value}) for value in values] + [("generated", GENERATED)]
    return [("generated", GENERATED)]


def valid_requests(operation_id: str, world: World) -> list[dict]:
    """Hand-written requests that a well-behaved client would send (Case keyword arguments)."""
    m, r, p, i = world.matrices, world.requests, world.plans, world.plan_items
    cell = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}
    request_body = {
        "area": "LEGISLATION",
        "columns": ["CW"],
        "assistance_type": "legislative_drafting",
        "title": "Penal provisions for chemical weapons offences",
        "needs": [{"description": "Review of the bill", "cells": [{"matrix": m["published"], **cell}]}],
        "language": "en",
        "contact_person": "Ms A. Example",
        "preferred_providers": ["opcw"],
        "consent_to_publish": True,
    }
    table = {
        "states_list": [
            {"query": {"region": "African", "not_party_to": "CWC"}},
            {"query": {"party_to": "NPT", "search": "jam", "page": 1, "page_size": 5}},
            {"query": {"page": 99}},
        ],
        "states_retrieve": [{"path_parameters": {"iso3": "JAM"}}],
        "regimes_list": [{}],
        "regimes_template_retrieve": [{"path_parameters": {"code": c}} for c in ("1540", "CWC", "npt")],
        "assistance_providers_list": [{"query": {"column": "CW", "area": "LEGISLATION"}}, {"query": {}}],
        "assistance_providers_retrieve": [{"path_parameters": {"slug": "opcw"}}],
        "assistance_turnaround_retrieve": [
            {"query": {}},
            {"query": {"provider": "opcw", "regime": "CWC", "since": "2020-01-01", "until": "2030-01-01"}},
        ],
        "gaps_retrieve": [{"query": {"state": "JAM"}}, {"query": {"state": "KEN"}}],
        "matrices_list": [{"query": {}}, {"query": {"state": "JAM", "regime": "1540", "status": "draft"}}],
        "matrices_create": [
            {"body": {"state": "JAM", "regime": "BWC"}},
            {"body": {"state": "JAM", "regime": "1540"}},
            {"body": {"state": "KEN", "regime": "NPT"}},
        ],
        "matrices_retrieve": [{"path_parameters": {"id": pk}} for pk in m.values()],
        "matrices_diff_retrieve": [
            {"path_parameters": {"id": m["draft"]}, "query": {"against": m["published"]}},
            {"path_parameters": {"id": m["published"]}, "query": {"against": m["submitted"]}},
        ],
        "matrices_cells_partial_update": [
            {"path_parameters": {"id": m["draft"]}, "body": {"cells": [{**cell, "mark": "X", "source": "Act 3"}]}},
            {"path_parameters": {"id": m["draft"]}, "body": {"cells": [{**cell, "mark": "", "source": ""}]}},
            {"path_parameters": {"id": m["draft"]}, "body": {"cells": [{**cell, "row": "NO.SUCH.ROW"}]}},
        ],
        "matrices_submit_create": [{"path_parameters": {"id": m["draft"]}}],
        "matrices_approve_create": [{"path_parameters": {"id": m[k]}} for k in ("submitted", "in_review")],
        "matrices_request_changes_create": [
            {"path_parameters": {"id": m["in_review"]}, "body": {"comment": "Please cite the Act."}},
            {"path_parameters": {"id": m["submitted"]}, "body": {}},
        ],
        "matrices_consent_create": [
            {"path_parameters": {"id": m["approved"]}, "body": {"consent": True}},
            {"path_parameters": {"id": m["published"]}, "body": {"consent": False}},
        ],
        "matrices_comments_list": [{"path_parameters": {"id": m["in_review"]}}],
        "matrices_comments_create": [
            {"path_parameters": {"id": m[name]}, "body": {**world.cells[name], "body": "Which article?"}}
            for name in ("in_review", "submitted", "draft")
        ],
        "me_retrieve": [{}],
        "me_partial_update": [{"body": {"first_name": "Ada", "email": "ada@example.org"}}, {"body": {"email": ""}}],
        "assistance_requests_list": [
            {"query": {}},
            {"query": {"status": "routed", "column": "CW", "state": "JAM", "submitted_after": "2020-01-01"}},
        ],
        "assistance_requests_create": [{"body": request_body}, {"body": {"title": "Only a title"}}],
        "assistance_requests_retrieve": [{"path_parameters": {"id": pk}} for pk in r.values()],
        "assistance_requests_partial_update": [
            {"path_parameters": {"id": r["draft"]}, "body": {"title": "A better title"}},
            {"path_parameters": {"id": r["draft"]}, "body": request_body},
        ],
        "assistance_requests_submit_create": [{"path_parameters": {"id": r["draft"]}}],
        "assistance_requests_withdraw_create": [{"path_parameters": {"id": r["routed"]}}],
        "assistance_requests_claim_create": [
            {"path_parameters": {"id": r["routed"]}},
            {"path_parameters": {"id": r["routed"]}, "headers": {"Idempotency-Key": "claim-1"}},
            {"path_parameters": {"id": r["claimed"]}},
        ],
        "assistance_requests_release_create": [{"path_parameters": {"id": r["claimed"]}}],
        "assistance_requests_join_create": [{"path_parameters": {"id": r.get("led_by_other", r["claimed"])}}],
        "assistance_requests_progress_create": [
            {"path_parameters": {"id": r["claimed"]}, "body": {"note": "First workshop held."}}
        ],
        "assistance_requests_deliver_create": [
            {"path_parameters": {"id": r["claimed"]}, "body": {"summary": "Bill reviewed."}}
        ],
        "assistance_requests_feedback_create": [
            {"path_parameters": {"id": r["delivered"]}, "body": {"rating": 5, "comment": "Very useful."}}
        ],
        "assistance_requests_reroute_create": [{"path_parameters": {"id": r["routed"]}}],
        "assistance_requests_assign_create": [
            {"path_parameters": {"id": r["routed"]}, "body": {"provider": "iaea"}},
            {"path_parameters": {"id": r["routed"]}, "body": {"provider": "no-such-provider"}},
        ],
        "assistance_requests_active_providers_retrieve": [{"path_parameters": {"id": r["claimed"]}}],
        "plans_list": [{"query": {}}, {"query": {"state": "JAM", "status": "published", "page": 1, "page_size": 5}}],
        "plans_create": [{"body": {"state": "KEN", "summary": "Theirs."}}, {"body": {"summary": ""}}],
        "plans_retrieve": [{"path_parameters": {"id": pk}} for pk in p.values()],
        "plans_partial_update": [
            {"path_parameters": {"id": p["draft"]}, "body": {"summary": "Revised.", "period_start": "2026-01-01"}}
        ],
        "plans_items_list": [{"path_parameters": {"id": pk}} for pk in p.values()],
        "plans_items_create": [
            {"path_parameters": {"id": p["draft"]}, "body": {"measure": "Train customs officers", "cells": [cell]}}
        ],
        "plans_items_partial_update": [
            {"path_parameters": {"id": p["draft"], "item_id": i["draft"]}, "body": {"status": "under_way"}}
        ],
        "plans_items_destroy": [{"path_parameters": {"id": p["published"], "item_id": i["published"]}}],
        "plans_items_request_create": [{"path_parameters": {"id": p["draft"], "item_id": i["draft"]}}],
        "plans_submit_create": [{"path_parameters": {"id": p["draft"]}}],
        "plans_reopen_create": [{"path_parameters": {"id": p["other_state"]}}],
        "plans_consent_create": [{"path_parameters": {"id": p["other_state"]}}],
    }
    return table.get(operation_id, [])


HOSTILE_VALUES = ({}, [], 2**70, "\x00", None)


def _paths(node, prefix=()):
    """Every field of a JSON document (lists: their first item), as key paths."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list) and node:
        yield (*prefix, 0)
        yield from _paths(node[0], (*prefix, 0))


def hostile_variants(kwargs: dict) -> list[dict]:
    """A valid request with one field at a time given a value of the wrong kind (a deterministic
    pass on top of the generated invalid data: every field gets each kind once)."""
    body = kwargs["body"]
    variants = [[], "text", [body]]
    for path in _paths(body):
        for value in HOSTILE_VALUES:
            variant = copy.deepcopy(body)
            node = variant
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = value
            variants.append(variant)
    return [{**kwargs, "body": variant} for variant in variants]


HOSTILE_PARAMETERS = (2**70, -1, "\x00", "2020-02-30", "")


def hostile_parameters(raw_operation: dict, base: dict) -> list[dict]:
    """The base request with one path or query parameter at a time given an out-of-range, malformed
    or empty value (values a client can send whatever the schema says)."""
    variants = []
    for parameter in raw_operation.get("parameters", []):
        location, name = parameter["in"], parameter["name"]
        if location not in ("path", "query"):
            continue
        key = "path_parameters" if location == "path" else "query"
        for value in HOSTILE_PARAMETERS:
            if location == "path" and value == "":
                continue  # another URL altogether
            variants.append({**base, key: {**base.get(key, {}), name: value}})
    return variants


# --- running and recording ---------------------------------------------------------------------


@dataclass
class Recorder:
    label: str
    role: str
    failures: dict = field(default_factory=dict)  # key -> record
    calls: int = 0
    statuses: dict = field(default_factory=dict)  # status code -> count
    last_exception: list = field(default_factory=list)

    def on_exception(self, sender, request=None, **kwargs):
        self.last_exception.append(traceback.format_exc())

    def run(self, case, world: World):
        """Send one case in a savepoint that is rolled back; record what the checks say."""
        from schemathesis.core.failures import FailureGroup

        cache.clear()  # throttles, cached payloads: every example starts from the same state
        self.last_exception.clear()
        headers = world.headers(self.role)
        with transaction.atomic():
            response = case.call(headers=headers)
            try:
                case.validate_response(response, checks=checks(), headers=headers)
            except FailureGroup as group:
                for failure in group.exceptions:
                    self.record(case, response, failure.code, failure.title, str(failure.message or ""))
            transaction.set_rollback(True)
        if self.role == "anonymous" and response.status_code < 300 and not _is_public(case.operation):
            self.record(
                case,
                response,
                "ANON",
                "Anonymous access to an operation documented as needing a token",
                "The operation's `security` has no `{}` alternative, yet it answered without credentials.",
            )
        self.calls += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1

    def record(self, case, response, code, title, message):
        # One entry per kind of failure and status, and per schema location, invalid input or crash site.
        where = next(
            (
                line.strip()
                for line in message.splitlines()
                if line.strip().startswith("Schema at") or "violates" in line
            ),
            "",
        )
        if self.last_exception:
            where = _crash_site(self.last_exception[-1])
        key = (code, title, response.status_code, where)
        body = case.body if not _is_not_set(case.body) else None
        size = len(json.dumps(body, default=str)) + len(str(case.query)) + len(str(case.path_parameters))
        previous = self.failures.get(key)
        if previous is not None and previous["size"] <= size:
            previous["count"] += 1
            return
        self.failures[key] = {
            "operation": self.label,
            "role": self.role,
            "check": title,
            "code": code,
            "status": response.status_code,
            "message": message[:1500],
            "path_parameters": case.path_parameters,
            "query": case.query,
            "headers": {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"},
            "body": body,
            "response": response.text[:500],
            "traceback": _summary(self.last_exception[-1]) if self.last_exception else "",
            "size": size,
            "count": (previous or {}).get("count", 0) + 1,
        }

    def report(self) -> str:
        lines = [f"{len(self.failures)} distinct failure(s) for {self.role} on {self.label} ({self.calls} calls)"]
        for record in self.failures.values():
            lines.append(
                f"- [{record['code']}] {record['check']} (status {record['status']}, x{record['count']})\n"
                f"  path={record['path_parameters']} query={str(record['query'])[:300]} headers={record['headers']}\n"
                f"  body={json.dumps(record['body'], default=str)[:300]}\n"
                f"  response={record['response'][:200]}\n"
                f"  {record['message'].strip()[:600]}"
            )
            if record["traceback"]:
                lines.append(f"  traceback: {record['traceback']}")
        return "\n".join(lines)


def _is_public(operation) -> bool:
    security = operation.definition.raw.get("security", operation.schema.raw_schema.get("security", []))
    return {} in security


def _is_not_set(value) -> bool:
    from schemathesis.core import NotSet

    return isinstance(value, NotSet)


def _crash_site(formatted: str) -> str:
    """The exception type and the innermost frame of the portal's own code."""
    lines = [line.strip() for line in formatted.strip().splitlines() if line.strip()]
    frames = [line for line in lines if line.startswith("File ") and "site-packages" not in line]
    return f"{lines[-1].split(':')[0]} at {frames[-1] if frames else '?'}"


def _summary(formatted: str) -> str:
    lines = [line for line in formatted.strip().splitlines() if line.strip()]
    frames = [line.strip() for line in lines if line.strip().startswith("File ") and "site-packages" not in line]
    return " | ".join(frames[-3:] + lines[-1:])


def fuzz(recorder: Recorder, operation, world: World, name: str, target, mode):
    strategy_kwargs = {} if target is GENERATED else {"path_parameters": target}
    strategy = operation.as_strategy(generation_mode=mode, **strategy_kwargs)

    @seed(zlib.crc32(f"{recorder.label}|{recorder.role}|{name}|{mode.value}".encode()))
    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=strategy)
    def examples(case):
        recorder.run(case, world)

    with contextlib.suppress(Unsatisfiable):  # e.g. nothing invalid to generate for an operation without inputs
        examples()


def _write_report(recorder: Recorder):
    path = os.environ.get("PORTAL_FUZZ_REPORT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        for record in recorder.failures.values():
            out.write(json.dumps(record, default=str) + "\n")
        summary = {"summary": True, "operation": recorder.label, "role": recorder.role}
        out.write(json.dumps({**summary, "calls": recorder.calls, "statuses": recorder.statuses}) + "\n")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", list(committed_operations()), ids=list(committed_operations().values()))
def test_operation(label, role, world, api_schema, django_db_blocker):
    from django.core.signals import got_request_exception
    from schemathesis import GenerationMode

    method, path = label.split(" ", 1)
    operation = api_schema[path][method]
    recorder = Recorder(label=label, role=role)
    got_request_exception.connect(recorder.on_exception)
    try:
        with django_db_blocker.unblock():
            valid = valid_requests(operation.definition.raw.get("operationId", ""), world)
            for kwargs in valid:
                recorder.run(operation.Case(**kwargs), world)
            with_body = [kwargs for kwargs in valid if "body" in kwargs]
            if with_body and role in HOSTILE_ROLES:
                for kwargs in hostile_variants(with_body[0]):
                    recorder.run(operation.Case(**kwargs), world)
            targets = path_targets(label, world)
            base = valid[0] if valid else {}
            if not base and targets[0][1] is not GENERATED:
                base = {"path_parameters": targets[0][1]}
            for kwargs in hostile_parameters(operation.definition.raw, base):
                recorder.run(operation.Case(**kwargs), world)
            for name, target in targets:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    fuzz(recorder, operation, world, name, target, mode)
    finally:
        got_request_exception.disconnect(recorder.on_exception)
        _write_report(recorder)
    if recorder.failures:
        pytest.fail(recorder.report(), pytrace=False)


def test_the_committed_schema_is_the_served_one(api_schema):
    """The tests are collected from docs/openapi.yaml; CI keeps it equal to what the app serves."""
    assert _operations(api_schema.raw_schema) == committed_operations()
