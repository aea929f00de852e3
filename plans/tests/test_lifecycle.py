"""An action plan's life: draft, share with the Committee, revise, publish with consent, the next
version copied from it; items pointing at matrix cells; a request started from an item."""

import pytest

from plans import services
from plans.models import Plan, PlanItem
from portal.audit.models import AuditEvent
from portal.core.exceptions import InvalidInput, InvalidTransition, NotAllowed

pytestmark = pytest.mark.django_db

CELL = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}


def draft(state, official, **fields):
    return services.create(state, {"summary": "Close the chemical gaps by 2028.", **fields}, acting_user=official)


def test_a_plan_goes_from_draft_to_published_and_the_next_version_copies_it(state_a, state_a_official, expert):
    plan = draft(state_a, state_a_official, period_start="2026-01-01", period_end="2028-12-31")
    item = services.add_item(
        plan, {"measure": "Adopt the Chemical Weapons Act", "cells": [CELL], "lead_agency": "Ministry of Justice",
               "target_date": "2027-06-30"}, acting_user=state_a_official,
    )  # fmt: skip
    assert (plan.version, plan.status, item.cells) == (1, "draft", [CELL])
    services.submit(plan, acting_user=state_a_official)
    services.comment(plan, body="Name the penalties.", item=item, acting_user=expert)
    published = services.consent(plan, acting_user=state_a_official)
    assert published.status == "published" and published.published_at
    with pytest.raises(InvalidTransition):
        services.update_item(item, {"status": "done"}, acting_user=state_a_official)
    second = draft(state_a, state_a_official)
    copied = second.items.get()
    assert (second.version, second.based_on_id, copied.key, copied.measure) == (2, plan.pk, item.key, item.measure)
    services.update_item(copied, {"status": "done"}, acting_user=state_a_official)
    rows = services.diff(plan, second)
    assert [(r["change"], r["fields"]) for r in rows] == [("changed", ["status"])]
    assert {"plan.create", "plan.add_item", "plan.submit", "plan.comment", "plan.publish"} <= set(
        AuditEvent.objects.values_list("verb", flat=True)
    )


def test_only_the_states_officials_draft_and_bad_input_changes_nothing(state_a, state_a_official, state_b_official):
    with pytest.raises(NotAllowed):
        draft(state_a, state_b_official)
    with pytest.raises(InvalidInput) as refused:
        services.create(state_a, {"summary": "", "period_start": "2027-01-01", "period_end": "2026-01-01"},
                        acting_user=state_a_official)  # fmt: skip
    assert set(refused.value.errors) == {"summary", "period_end"}
    plan = draft(state_a, state_a_official)
    with pytest.raises(InvalidInput) as refused:
        services.add_item(
            plan, {"measure": "x", "cells": [{"row": "NOPE", "column": "CW"}]}, acting_user=state_a_official
        )
    assert "cells" in refused.value.errors and not PlanItem.objects.exists()
    with pytest.raises(InvalidTransition):
        draft(state_a, state_a_official)  # one open version at a time
    assert Plan.objects.count() == 1


def test_an_item_needing_assistance_starts_a_linked_draft_request(state_a, state_a_official):
    plan = draft(state_a, state_a_official)
    item = services.add_item(plan, {"measure": "Train customs officers on CW precursors", "cells": [CELL]},
                             acting_user=state_a_official)  # fmt: skip
    request = services.start_request(item, acting_user=state_a_official)
    item.refresh_from_db()
    assert item.request == request and item.assistance_needed
    assert request.status == "draft" and request.columns == ["CW"]
    assert list(request.plan_items.all()) == [item]
    assert services.start_request(item, acting_user=state_a_official) == request  # once
