"""The language of what States and experts write in action plans: a plan's (its title, summary and items)
given or the writer's interface language, carried to the next version; each comment's own; marked with
`lang` and `dir="auto"` where the pages show the text."""

import pytest
from django.urls import reverse
from django.utils import translation

from matrices.tests.test_user_text_language import marks
from plans import services
from plans.models import PlanComment
from plans.tests.test_public_pages import published_plan
from plans.tests.test_review_pages import shared_plan
from portal.core.exceptions import InvalidInput
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db


def test_a_plan_is_in_the_given_or_the_writers_language_and_the_next_version_keeps_it(state_a, state_a_official):
    with translation.override("fr"):
        first = services.create(state_a, {"summary": "Combler les lacunes."}, acting_user=state_a_official)
    assert first.language == "fr"
    services.add_item(first, {"measure": "Adopter la loi"}, acting_user=state_a_official)
    services.submit(first, acting_user=state_a_official)
    services.consent(first, acting_user=state_a_official)
    with translation.override("ru"):
        second = services.create(state_a, {}, acting_user=state_a_official)
    assert second.language == "fr"


def test_a_comment_is_in_the_given_or_the_writers_language(state_a, state_a_official, expert):
    plan = shared_plan(state_a, state_a_official)
    with translation.override("es"):
        first = services.comment(plan, body="Indique las sanciones.", acting_user=expert)
    second = services.comment(plan, body="Noted.", language="en", acting_user=state_a_official)
    assert (first.language, second.language) == ("es", "en")
    with pytest.raises(InvalidInput) as refused:
        services.comment(plan, body="x", language="xx", acting_user=expert)
    assert "language" in refused.value.errors and PlanComment.objects.count() == 2


def test_the_pages_mark_the_plans_text_and_the_comments(state_a, state_a_official, expert):
    plan = shared_plan(
        state_a, state_a_official, items=[{"measure": "Adopter la loi chimique"}], language="fr", title="Plan national"
    )
    with translation.override("ar"):
        services.comment(plan, body="حددوا العقوبات", acting_user=expert)
    review = logged_in(expert).get(reverse("plans:review", args=[plan.pk]))
    assert set(marks(review, text="Adopter la loi chimique")) == {("fr", "auto")}
    assert marks(review, text="حددوا العقوبات") == [("ar", "auto")]
    editor = logged_in(state_a_official).get(reverse("plans:edit", args=[plan.pk]))
    assert marks(editor, text="حددوا العقوبات") == [("ar", "auto")]
    services.consent(plan, acting_user=state_a_official)
    public = logged_in(None).get(reverse("plans:public_latest", args=[state_a.iso3]))
    assert marks(public, text="Plan national") == [("fr", "auto")]
    assert marks(public, text="Adopter la loi chimique") == [("fr", "auto")]
    assert marks(public, text="Close the chemical gaps by 2028.") == [("fr", "auto")]
    found = logged_in(None).get(reverse("matrices:search"), {"q": "loi chimique"})
    assert marks(found, text="Plan national") == [("fr", "auto")]


def test_a_search_result_titled_by_the_portal_is_not_marked(state_a, state_a_official):
    published_plan(state_a, state_a_official, language="es")
    found = logged_in(None).get(reverse("matrices:search"), {"q": "chemical"})
    # The title the portal writes for an untitled plan is in the page's language; the summary is the plan's.
    assert marks(found, text="Close the") == [("es", "auto")]  # "chemical" is highlighted
    assert ("es", "auto") not in marks(found, text="action plan, version 1")
