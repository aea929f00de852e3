"""Background work of the action plans: telling people about a plan version. Idempotent enough: an
e-mail sent twice on a retry is the worst outcome."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from plans.models import Plan


@shared_task(name="plans.notify")
def notify_task(plan_id: int, event: str) -> int:
    """`submitted`: the Committee's experts; `published`: the State's officials and its contacts."""
    from portal.accounts.models import Role, User

    plan = Plan.objects.select_related("state").filter(pk=plan_id).first()
    if plan is None:
        return 0
    users = User.objects.filter(is_active=True).exclude(email="")
    if event == "submitted":
        recipients = list(users.filter(role=Role.EXPERT).values_list("email", flat=True))
        subject = f"[1540 Portal] {plan.state.name} shared version {plan.version} of its action plan"
        body = f"Review it and comment: /plans/{plan.pk}/\n"
    else:
        recipients = list(users.filter(state_id=plan.state_id).values_list("email", flat=True))
        recipients += _contact_emails(plan.state_id)
        subject = f"[1540 Portal] The action plan of {plan.state.name} (version {plan.version}) is published"
        body = f"It is public at /states/{plan.state.iso3}/plan/v{plan.version}/\n"
    recipients = sorted(set(recipients))
    if recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return len(recipients)


def _contact_emails(state_id) -> list[str]:
    from states import contacts

    return contacts.contact_emails(state_id)
