"""Background work of the action plans: telling people about a plan version. Idempotent enough: an
e-mail sent twice on a retry is the worst outcome."""

from celery import shared_task
from django.utils.translation import gettext as _

from plans.models import Plan
from portal.core import mail


@shared_task(name="plans.notify")
def notify_task(plan_id: int, event: str) -> int:
    """`submitted`: the Committee's experts; `published`: the State's officials and its contacts."""
    from portal.accounts.models import Role, User

    plan = Plan.objects.select_related("state").filter(pk=plan_id).first()
    if plan is None:
        return 0
    users = User.objects.filter(is_active=True).order_by("pk")
    values = {"state": plan.state.name, "version": plan.version}
    if event == "submitted":
        recipients = mail.user_recipients(users.filter(role=Role.EXPERT))

        def compose():
            subject = _("[1540 Portal] %(state)s shared version %(version)s of its action plan") % values
            return subject, _("Review it and comment: %(url)s") % {"url": f"/plans/{plan.pk}/"} + "\n"
    else:
        recipients = mail.user_recipients(users.filter(state_id=plan.state_id)) + _contact_recipients(plan.state_id)

        def compose():
            subject = _("[1540 Portal] The action plan of %(state)s (version %(version)s) is published") % values
            url = f"/states/{plan.state.iso3}/plan/v{plan.version}/"
            return subject, _("It is public at %(url)s") % {"url": url} + "\n"

    return mail.send(recipients, compose)


def _contact_recipients(state_id):
    from states import contacts

    return contacts.contact_recipients(state_id)
