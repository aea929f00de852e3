"""The pages of a State's points of contact: the officials' page to keep them current, and the section
of the State's page (`states/_contacts.html` with `states.contacts.contacts_section`)."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from playwright.sync_api import expect

from portal.audit.models import AuditEvent
from portal.testing.axe import assert_accessible
from portal.testing.factories import TEST_PASSWORD
from portal.testing.pages import logged_in, text_of
from states import contacts
from states.models import Contact
from states.tests.contacts_fixtures import MANAGE, PERSONAS, SEE, age, persona_user, poc_data, snapshot

MANAGE_URL = "/states/JAM/contacts/"
SHOTS = Path("/tmp/shots")  # noqa: S108 - the screenshots are looked at by hand
# Queries of the management page whatever the number of contacts (pinned: a change must be deliberate).
MANAGE_QUERIES = 4  # session, user, the State, its contacts


def edit_url(contact):
    return f"{MANAGE_URL}{contact.pk}/edit/"


def form(**overrides):
    data = {**poc_data(), "valid_until": ""}
    data.update(overrides)
    return data


def client_for(request, name, state_a, state_a_official):
    return logged_in(persona_user(request, name, state_a, state_a_official))


@pytest.mark.django_db
@pytest.mark.parametrize("name", PERSONAS)
def test_who_opens_the_management_page(request, name, state_a, state_a_official, jam_contacts):
    client = client_for(request, name, state_a, state_a_official)
    poc = jam_contacts["poc"]
    before = snapshot()

    page = client.get(MANAGE_URL)
    added = client.post(MANAGE_URL, form(kind="issue_champion", name="Ms Champion"))
    edit = client.get(edit_url(poc))
    deleted = client.post(f"{MANAGE_URL}{jam_contacts['past'].pk}/delete/")

    if name in MANAGE:
        assert page.status_code == 200
        assert "Ms Andrea Example" in text_of(page, "contacts-table")
        assert "Dr Former Example" in text_of(page, "contacts-table")  # past contacts are kept here
        assert added.status_code == 302 and Contact.objects.filter(name="Ms Champion", state=state_a).exists()
        assert edit.status_code == 200 and 'value="Ms Andrea Example"' in edit.content.decode()
        assert deleted.status_code == 302 and not Contact.objects.filter(pk=jam_contacts["past"].pk).exists()
        return
    if name == "anonymous":
        assert all(r.status_code == 302 and "/accounts/login/" in r["Location"] for r in (page, added, edit, deleted))
    else:
        assert (page.status_code, added.status_code, edit.status_code, deleted.status_code) == (403, 403, 403, 403)
        assert "Ms Andrea Example" not in page.content.decode()
    assert snapshot() == before


@pytest.mark.django_db
def test_an_official_adds_edits_confirms_and_deletes(state_a, state_a_official, jam_contacts):
    client = logged_in(state_a_official)
    poc = age(jam_contacts["poc"], 400)
    page = client.get(MANAGE_URL)
    assert "1 contact has not been confirmed as current for a year" in text_of(page, "contacts-overdue")

    response = client.post(f"{MANAGE_URL}{poc.pk}/confirm/")
    assert response.status_code == 302
    assert not contacts.is_overdue(Contact.objects.get(pk=poc.pk))
    assert text_of(client.get(MANAGE_URL), "contacts-overdue") == ""

    response = client.post(MANAGE_URL, form(kind="iaea_focal_point", name="Mr Nuclear Example", languages=["en", "fr"]))
    assert response.status_code == 302
    added = Contact.objects.get(name="Mr Nuclear Example")
    assert added.kind == "iaea_focal_point" and added.languages == ["en", "fr"] and added.valid_until is None

    response = client.post(edit_url(added), form(kind="iaea_focal_point", name="Mr Nuclear Example", phone=""))
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.phone == "" and added.updated_by == state_a_official

    assert client.get(f"{MANAGE_URL}{added.pk}/delete/").status_code == 200  # asks first
    assert Contact.objects.filter(pk=added.pk).exists()
    client.post(f"{MANAGE_URL}{added.pk}/delete/")
    assert not Contact.objects.filter(pk=added.pk).exists()
    verbs = list(AuditEvent.objects.filter(verb__startswith="contact.").order_by("id").values_list("verb", flat=True))
    assert verbs[-4:] == ["contact.confirm", "contact.create", "contact.update", "contact.delete"]


@pytest.mark.django_db
def test_invalid_forms_are_a_400_with_the_errors_and_save_nothing(state_a_official, jam_contacts):
    client = logged_in(state_a_official)
    before = snapshot()

    added = client.post(MANAGE_URL, form(email="nobody", valid_from="2024-06-01", valid_until="2024-01-01"))
    edited = client.post(edit_url(jam_contacts["poc"]), form(name="", languages=["xx"]))

    assert added.status_code == 400 and edited.status_code == 400
    errors = text_of(added, "form-error")
    assert "E-mail : Give a valid e-mail address." in errors
    assert "In office until : A contact cannot end before it starts." in errors
    assert "Name : This field is required." in text_of(edited, "form-error")
    assert "Languages : Unknown language(s) xx" in text_of(edited, "form-error")
    assert snapshot() == before


@pytest.mark.django_db
def test_the_committee_edits_but_does_not_confirm(expert, jam_contacts):
    client = logged_in(expert)
    poc = age(jam_contacts["poc"], 400)
    before = snapshot()

    page = client.get(MANAGE_URL)
    confirmed = client.post(f"{MANAGE_URL}{poc.pk}/confirm/")

    assert "Still current" not in page.content.decode()
    assert confirmed.status_code == 403
    assert snapshot() == before


@pytest.mark.django_db
def test_a_contact_of_another_state_is_a_404(expert, state_a_official, jam_contacts):
    client = logged_in(expert)
    poc = jam_contacts["poc"]
    before = snapshot()

    assert client.get(f"/states/KEN/contacts/{poc.pk}/edit/").status_code == 404
    assert client.post(f"/states/KEN/contacts/{poc.pk}/delete/").status_code == 404
    assert client.post(f"/states/KEN/contacts/{poc.pk}/confirm/").status_code == 404
    assert logged_in(state_a_official).get("/states/XXX/contacts/").status_code == 404
    assert snapshot() == before


@pytest.mark.django_db
def test_the_management_page_queries_do_not_grow(state_a, state_a_official, jam_contacts, django_assert_num_queries):
    client = logged_in(state_a_official)
    client.get(MANAGE_URL)
    for n in range(10):
        contacts.create(state_a, poc_data(kind="issue_champion", name=f"Champion {n}"), acting_user=state_a_official)

    with django_assert_num_queries(MANAGE_QUERIES):
        response = client.get(MANAGE_URL)
    assert len(re.findall(r'id="contact-[0-9]+"', response.content.decode())) == 13


# ---------------------------------------------------------------------------------------------
# The section of the State's page


def render_section(user, state):
    request = RequestFactory().get(f"/states/{state.iso3}/")
    request.user = user or AnonymousUser()
    return render_to_string(
        "states/_contacts.html", {"state": state, **contacts.contacts_section(request, state)}, request=request
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", PERSONAS)
def test_the_state_page_section_shows_each_visitor_what_they_may_see(
    request, name, state_a, state_a_official, jam_contacts
):
    user = persona_user(request, name, state_a, state_a_official)
    age(jam_contacts["poc"], 400)

    html = render_section(user, state_a)

    if name in SEE:
        assert "Ms Andrea Example" in html and "poc@mfaft.example.gov.jm" in html and "+1 876 555 0100" in html
        assert ("Dr Former Example" in html) == (name in MANAGE)
    else:
        for secret in ("Andrea", "Basil", "Former", "example.gov.jm", "876"):
            assert secret not in html
        assert "1540 national point of contact" in html and "not designated" in html
    # Overdue contacts are flagged to the State's officials only.
    assert ("has not been confirmed as current for a year" in html) == (name == "official_a")
    assert (MANAGE_URL in html) == (name in MANAGE)


@pytest.mark.django_db
def test_the_section_queries_do_not_grow(state_a, state_a_official, provider_chemical, django_assert_num_queries):
    from assistance.tests.helpers import routed_request

    routed_request(state_a, state_a_official)
    for n in range(5):
        contacts.create(state_a, poc_data(kind="issue_champion", name=f"Champion {n}"), acting_user=state_a_official)

    with django_assert_num_queries(2):  # the kinds designated, the contacts
        render_section(state_a_official, state_a)
    with django_assert_num_queries(3):  # and whether the provider works on one of the State's requests
        render_section(provider_chemical, state_a)
    with django_assert_num_queries(1):
        render_section(None, state_a)


# ---------------------------------------------------------------------------------------------
# In the browser


def log_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_official_keeps_the_contacts_in_the_browser(page, reference, state_a, state_a_official):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    old = age(contacts.create(state_a, poc_data(), acting_user=state_a_official), 400)

    log_in(page, "official-a", MANAGE_URL)
    expect(page.get_by_role("heading", name="Points of contact of Jamaica")).to_be_visible()
    expect(page.locator("#contacts-overdue")).to_contain_text("1 contact has not been confirmed")
    assert_accessible(page, "the contacts page")
    page.screenshot(path=str(SHOTS / "contacts-manage.png"), full_page=True)

    page.get_by_role("button", name=re.compile(rf"Still current\W+{old.name}")).click()
    expect(page.locator("#contacts-overdue")).to_have_count(0)

    page.get_by_label("Kind of contact").select_option("cwc_national_authority")
    page.get_by_label("Name").fill("Mr Basil Example")
    page.get_by_label("E-mail").fill("not an address")
    page.get_by_label("French").check()
    page.get_by_role("button", name="Add the contact").click()
    expect(page.locator("#form-error")).to_contain_text("Give a valid e-mail address.")
    assert_accessible(page, "the contacts page with errors")
    page.screenshot(path=str(SHOTS / "contacts-errors.png"), full_page=True)

    page.get_by_label("E-mail").fill("cwc@na.example.gov.jm")
    page.get_by_role("button", name="Add the contact").click()
    expect(page.locator("#contacts-table")).to_contain_text("Mr Basil Example")
    expect(page.locator("#contacts-table")).to_contain_text("French")
    assert Contact.objects.filter(name="Mr Basil Example", languages=["fr"]).exists()

    # The State page's section, as the public and as the official see it (rendered on its own here).
    for who, user in (("public", None), ("official", state_a_official)):
        html = render_section(user, state_a)
        page.goto("/states/")
        page.evaluate("html => { document.querySelector('main').innerHTML = html; }", html)
        page.screenshot(path=str(SHOTS / f"contacts-section-{who}.png"), full_page=False)


@pytest.mark.django_db
def test_the_state_page_shows_the_section(state_a_official, jam_contacts):
    public = logged_in(None).get("/states/JAM/")
    official = logged_in(state_a_official).get("/states/JAM/")

    assert public.status_code == official.status_code == 200
    section = text_of(public, "contacts")
    assert "designated 1540 national point of contact" in section
    assert "not designated IAEA / NPT focal point" in section
    for secret in ("Andrea", "Basil", "example.gov.jm", "876"):
        assert secret not in public.content.decode()
    assert "Ms Andrea Example" in text_of(official, "contacts-table")
