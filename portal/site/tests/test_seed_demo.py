"""seed_demo: demo logins, realistic matrices for a few dozen States, and benchmark data with --scale."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from matrices import demo as matrices_demo
from matrices import services
from matrices.models import Cell, Comment, Mark, Matrix, Regime, Template
from portal.accounts.models import Role, User
from portal.audit.models import AuditEvent
from portal.core import demo_marking
from portal.site import demo
from states.models import State

# Six States are enough for every status (Jamaica, Kenya and the profiles that come first).
STATES = "6"


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    from assistance.models import AssistanceRequest, Message, Offer

    models = (Matrix, Cell, Comment, AuditEvent, User, Template, State, Offer, AssistanceRequest, Message)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """One seeding (the first `make run`: --if-empty on a database without users) shared by the
    tests of the class below, rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        if not State.objects.exists():  # a transactional test flushed the reference data
            call_command("load_reference", stdout=io.StringIO())
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            output = seed("--if-empty", "--states", STATES)
        yield output
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestDefaultRun:
    def test_first_run_creates_the_demo_logins_and_prints_them(self, seeded):
        assert "Demo matrices:" in seeded
        assert "Demo logins (password: " in seeded
        for username, role, _iso3, _slug in demo.DEMO_USERS:
            assert re.search(rf"^  {re.escape(username)}\s+", seeded, re.MULTILINE)
            assert User.objects.get(username=username).role == role
        assert "official-jam    State official — Jamaica" in seeded

    def test_default_run_creates_requests_across_the_lifecycle_with_ordered_timestamps(self, seeded):
        from assistance.models import AssistanceRequest

        assert "Demo assistance requests:" in seeded
        statuses = set(AssistanceRequest.objects.values_list("status", flat=True))
        assert {"draft", "routed", "unmatched", "claimed", "delivered", "closed", "withdrawn"} <= statuses
        for request in AssistanceRequest.objects.exclude(status="draft"):
            stamps = [request.submitted_at, request.routed_at, request.claimed_at, request.delivered_at]
            present = [t for t in stamps if t is not None]
            assert present == sorted(present) and present[-1] <= timezone.now()
            assert request.needs.exists()
        closed = AssistanceRequest.objects.filter(status="closed").first()
        assert closed.feedback_rating and closed.closed_at >= closed.delivered_at

    def test_default_run_has_the_demo_providers_confirm_and_add_offers_through_the_services(self, seeded):
        from assistance.models import Offer

        for slug, capacity, period, title, column in (
            ("opcw", 12, "year", "Legislation Help Desk: drafting CWC penal provisions", "CW"),
            ("iaea", 8, "quarter", "INSServ-style advisory mission on physical protection", "NW"),
        ):
            login = User.objects.get(username=f"provider-{slug}")
            # The reference offer, edited by the provider (which confirms it) with a stated capacity.
            edited = Offer.objects.get(provider__slug=slug, capacity=capacity, capacity_period=period)
            assert (edited.confirmed, edited.source) == (True, "provider")
            assert AuditEvent.objects.filter(verb="offer.update", object_id=str(edited.pk), actor=login).exists()
            added = Offer.objects.get(provider__slug=slug, title=title)
            assert (added.confirmed, added.created_by, added.columns) == (True, login, [column])
            assert added.created_at < edited.updated_at < timezone.now()

    def test_default_run_shows_committee_withdrawn_and_expired_offers_marked_as_demo_data(self, seeded):
        from assistance.models import Offer

        expert = User.objects.get(username="expert")
        on_behalf = Offer.objects.filter(source="expert", created_by=expert)
        assert on_behalf.count() >= 3 and not on_behalf.filter(confirmed=True).exists()
        withdrawn = Offer.objects.get(status=Offer.Status.WITHDRAWN)
        expired = Offer.objects.get(valid_until__lt=timezone.localdate())
        current = set(Offer.objects.current().values_list("pk", flat=True))
        assert withdrawn.pk not in current and expired.pk not in current and withdrawn.withdrawn_at < timezone.now()
        for offer in Offer.objects.exclude(source="reference", confirmed=False):
            assert "demo data" in offer.description

    def test_default_run_starts_a_request_from_an_offer_and_holds_conversations(self, seeded):
        from assistance.models import AssistanceRequest, Message

        started = AssistanceRequest.objects.select_related("from_offer").get(from_offer__isnull=False)
        assert started.from_offer.provider.slug == "opcw" and started.area.code == "LEGISLATION"
        best = started.matches.order_by("-score").first()
        assert (best.provider.slug, best.offer_id) == ("opcw", started.from_offer_id)
        talked = AssistanceRequest.objects.filter(messages__isnull=False).distinct()
        assert talked.count() >= 3 and started in talked
        now = timezone.now()
        for request in talked:
            messages = list(request.messages.order_by("created_at", "id"))
            assert all("demo data" in m.body and m.notified_at for m in messages)
            assert request.routed_at < messages[0].created_at and messages[-1].created_at < now
            if request.claimed_at:
                assert messages[-1].created_at <= request.claimed_at
            first = next(m.created_at for m in messages if m.side == Message.Side.PROVIDER)
            assert request.first_response_at == first
        assert not AssistanceRequest.objects.filter(messages__isnull=True, first_response_at__isnull=False).exists()

    def test_default_run_creates_matrices_in_every_status(self, seeded):
        assert set(Matrix.objects.values_list("status", flat=True)) == set(Matrix.Status.values)
        states = State.objects.filter(matrices__isnull=False).distinct()
        assert states.count() == int(STATES)
        assert {"JAM", "KEN"} <= set(states.values_list("iso3", flat=True))
        assert states.values("region").distinct().count() == 5  # the five UN regional groups
        regimes = set(Matrix.objects.values_list("regime__code", flat=True))
        assert regimes == {"1540", "CWC", "NPT", "BWC"}
        # Some States have two published versions of a regime, which differ.
        second = Matrix.objects.filter(status=Matrix.Status.PUBLISHED, based_on__status=Matrix.Status.PUBLISHED)
        assert second.exists()
        assert all(services.diff(m.based_on, m) for m in second.select_related("based_on"))

    def test_published_1540_matrices_have_derived_cells_and_review_comments(self, seeded):
        published = Matrix.objects.filter(regime__code="1540", status=Matrix.Status.PUBLISHED)
        with_derived = published.filter(cells__derived_from_regime__in=["CWC", "NPT", "BWC"]).distinct()
        assert with_derived.exists()
        assert published.filter(comments__isnull=False).exists()
        # A derived cell says what the checklist says.
        cell = Cell.objects.filter(matrix__in=with_derived, overridden=False).exclude(derived_from_regime="").first()
        assert Cell.objects.filter(
            matrix__state=cell.matrix.state,
            matrix__regime__code=cell.derived_from_regime,
            row__code=cell.derived_from_row,
            source=cell.source,
        ).exists()

    def test_cells_are_valid_and_marked_as_demo_data(self, seeded):
        cells = Cell.objects.select_related("matrix__state")
        assert cells.exists()
        for cell in cells:
            assert "demo data" in cell.remarks
            if cell.mark == Mark.YES:
                assert cell.source.startswith(f"{cell.matrix.state.name}: ")
            if cell.mark == Mark.NOT_APPLICABLE:
                assert cell.remarks != "demo data"  # a reason follows

    def test_history_is_written_by_the_officials_and_the_expert_and_dated_in_the_past(self, seeded):
        now = timezone.now()
        expert = User.objects.get(username="expert")
        assert AuditEvent.objects.filter(verb="matrix.approve").exclude(actor=expert).count() == 0
        assert AuditEvent.objects.filter(verb="matrix.consent", actor__role=Role.STATE_OFFICIAL).exists()
        officials = User.objects.filter(role=Role.STATE_OFFICIAL, audit_events__verb="matrix.cell.update").distinct()
        assert {"official-jam", "official-ken"} <= set(officials.values_list("username", flat=True))
        for matrix in Matrix.objects.all():
            dates = [matrix.created_at, matrix.submitted_at, matrix.review_started_at, matrix.approved_at]
            dates = [d for d in [*dates, matrix.published_at] if d]
            assert dates == sorted(dates) and dates[-1] < now
        published = Matrix.objects.filter(status=Matrix.Status.PUBLISHED)
        assert published.dates("published_at", "year").count() >= 2  # spread over the last years
        assert not Comment.objects.filter(created_at__gt=now).exists()

    def test_the_run_records_once_that_the_database_holds_demo_data(self, seeded):
        assert AuditEvent.objects.filter(verb=demo_marking.SEEDED).count() == 1

    def test_if_empty_after_the_first_run_only_prints_the_logins(self, seeded):
        before = counts()
        output = seed("--if-empty")
        assert counts() == before
        assert output == seeded[seeded.index("Demo logins") :]

    def test_running_it_twice_changes_nothing(self, seeded):
        before = counts()
        output = seed("--states", STATES)
        assert counts() == before
        assert "Demo matrices" not in output
        assert "Demo logins" in output


@pytest.mark.django_db
def test_states_not_party_to_a_treaty_get_fewer_x_marks(reference):
    egypt = State.objects.select_related("region").get(iso3="EGY")  # NPT party, CWC not signed
    ctx = matrices_demo.Context.load(None, [egypt])
    story = matrices_demo.StateStory(egypt, matrices_demo.PROFILES["published once"], None, ctx)

    def share_of_x(code):
        values = [story.value(code, spec) for spec in ctx.specs[code]]
        return sum(1 for value in values if value and value["mark"] == Mark.YES) / len(values)

    assert share_of_x("CWC") < share_of_x("NPT") / 2
    adherence = next(spec for spec in ctx.specs["CWC"] if spec.row.code == "CWC-ADH")
    assert story.value("CWC", adherence) == {"mark": "", "source": "", "remarks": "demo data; not a party"}


@pytest.mark.django_db
def test_if_empty_with_users_present_creates_nothing(reference):
    User.objects.create(username="someone", role=Role.EXPERT)
    before = counts()
    seed("--if-empty")
    assert counts() == before
    assert not Matrix.objects.exists()


@pytest.mark.django_db
def test_scale_1_creates_every_cell_of_every_template_for_all_states(reference):
    output = seed("--scale", "1")
    layout_sizes = sum(len(services.layout(t)) for t in (services._latest_template(r) for r in Regime.objects.all()))
    assert Matrix.objects.count() == 193 * 4
    assert set(Matrix.objects.values_list("status", flat=True)) == {Matrix.Status.PUBLISHED}
    assert Cell.objects.count() == 193 * layout_sizes
    assert Cell.objects.filter(matrix__regime__code="1540").exclude(derived_from_regime="").exists()
    assert not Cell.objects.filter(mark=Mark.YES, source="").exists()
    assert AuditEvent.objects.filter(verb="demo.scale").count() == 1
    assert "772 matrices" in output and "Demo logins" in output


@pytest.mark.django_db
def test_scale_refuses_a_database_with_matrices(state_a, state_a_official):
    services.start_draft(state_a, Regime.objects.get(code="1540"), acting_user=state_a_official)
    before = counts()
    with pytest.raises(CommandError, match="without matrices"):
        seed("--scale", "1")
    assert counts() == before


@pytest.mark.django_db
def test_it_refuses_to_run_without_reference_data(reference):
    Template.objects.all().delete()
    with pytest.raises(CommandError, match="load_reference"):
        seed()
    State.objects.all().delete()
    with pytest.raises(CommandError, match="load_reference"):
        seed("--if-empty")
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("args", [(), ("--if-empty",), ("--scale", "1")])
def test_it_refuses_to_run_on_a_production_site_unless_forced(reference, settings, args):
    settings.HTTPS = True  # PORTAL_HTTPS=1
    before = counts()

    with pytest.raises(CommandError, match=r"PORTAL_HTTPS=1: this looks like a production site.*--force"):
        seed(*args)

    assert counts() == before
    assert not AuditEvent.objects.filter(verb__in=demo_marking.DEMO_VERBS).exists()


@pytest.mark.django_db
def test_forced_it_runs_on_a_production_site(reference, settings):
    settings.HTTPS = True
    User.objects.create(username="someone", role=Role.EXPERT)  # --if-empty: nothing to write

    assert seed("--if-empty", "--force") == ""


@pytest.mark.django_db
def test_default_run_gives_a_dozen_states_action_plans_with_a_year_of_progress(seeded):
    from plans import services as plans
    from plans.models import Plan, PlanComment, PlanItem

    states = set(Plan.objects.values_list("state__iso3", flat=True))
    assert len(states) == 12 and {"JAM", "KEN"} <= states
    assert Plan.objects.get(state__iso3="JAM", version=1).created_by.username == "official-jam"
    assert Plan.objects.get(state__iso3="KEN", version=1).created_by.username == "official-ken"
    assert all("demo data" in plan.summary for plan in Plan.objects.all())
    assert {"draft", "submitted", "published"} <= set(Plan.objects.values_list("status", flat=True))
    now = timezone.now()
    for plan in Plan.objects.all():
        stamps = [s for s in (plan.created_at, plan.submitted_at, plan.published_at) if s]
        assert stamps == sorted(stamps) and stamps[-1] < now
    # Several States published a first version about a year ago and a second one recently, in which
    # measures moved on from planned.
    seconds = Plan.objects.filter(status="published", based_on__status="published").select_related("based_on")
    assert seconds.count() >= 3
    for second in seconds:
        assert (now - second.based_on.published_at).days > 300 and (now - second.published_at).days < 90
        moved = [row for row in plans.diff(second.based_on, second) if "status" in row["fields"]]
        assert moved and all(row["old"].status == "planned" for row in moved)
        assert second.items.filter(status="done").exists() or second.items.filter(status="under_way").exists()
    progress = [plans.progress(p.items.select_related("request")) for p in seconds]
    assert any(p["overdue"] for p in progress) and any(p["waiting_for_assistance"] for p in progress)
    # Jamaica's chemical weapons bill asked for assistance, which a provider delivered.
    assisted = PlanItem.objects.select_related("request").get(
        plan__state__iso3="JAM", plan__version=2, request__isnull=False
    )
    assert assisted.status == "done" and assisted.request.status == "delivered"
    assert assisted.request.consent_to_publish and assisted.request.claimed_by is not None
    # Versions waiting for the Committee carry the expert's comments.
    assert PlanComment.objects.filter(plan__status="submitted", author__username="expert").exists()
    assert not PlanComment.objects.filter(created_at__gt=now).exists()
