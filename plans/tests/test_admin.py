"""Plans and points of contact in the Django admin: administrators read them, nobody changes them there."""

import pytest

from plans import services
from portal.testing.pages import logged_in
from states import contacts

pytestmark = pytest.mark.django_db


def test_administrators_read_plans_and_contacts_but_cannot_change_them(admin_user, state_a, state_a_official):
    plan = services.create(state_a, {"summary": "Close the gaps (admin test)."}, acting_user=state_a_official)
    contacts.create(
        state_a, {"kind": "1540_poc", "name": "Focal point", "agency": "Ministry of Foreign Affairs",
                  "email": "poc@example.org"}, acting_user=state_a_official,
    )  # fmt: skip
    client = logged_in(admin_user)
    for url in ("/admin/plans/plan/", f"/admin/plans/plan/{plan.pk}/change/", "/admin/states/contact/"):
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get(f"/admin/plans/plan/{plan.pk}/change/").content.decode()
    assert "Close the gaps (admin test)." in html and 'name="_save"' not in html
    assert client.get("/admin/plans/plan/add/").status_code == 403
    assert client.get("/admin/states/contact/add/").status_code == 403
