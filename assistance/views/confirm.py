"""Confirmation pages: before an irreversible action on an assistance request (the State withdraws
it, the lead provider marks it delivered), a page that says what will happen, with a summary of the
request, and a form that posts to the action's own URL (unchanged), or a Cancel link back.

Each page has the same access checks as its action: the action's decorator, the request the user
may see (404 otherwise), and who may act (403). What the service would refuse for the request's
status is said on the page, with no button. Delivering takes a summary of what was delivered: its
confirmation page is the form. The pages work without JavaScript; each runs a fixed number of queries.
"""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from assistance import selectors, services
from assistance.forms import DeliverForm
from portal.accounts.decorators import official_required, provider_required
from portal.core.exceptions import NotAllowed


@official_required
@require_safe
def confirm_withdraw(request, pk):
    """Before the State withdraws a request: its needs, and the providers who see it withdrawn."""
    obj = services.get_visible(request.user, pk)
    refusal = services.withdraw_refusal(request.user, obj)
    if isinstance(refusal, NotAllowed):
        raise refusal
    context = {
        "obj": obj,
        "refusal": refusal,
        **(selectors.withdraw_summary(obj) if refusal is None else {}),
        "action_url": reverse("assistance:withdraw_request", args=[obj.pk]),
        "cancel_url": reverse("assistance:request_detail", args=[obj.pk]),
    }
    return render(request, "assistance/confirm/withdraw.html", context, status=refusal.status if refusal else 200)


@provider_required
@require_safe
def confirm_deliver(request, pk):
    """Before the lead provider marks a request delivered: the request, the State, what delivered
    means, and the form of the delivery summary."""
    obj = services.get_visible(request.user, pk, selectors.routed_to(request.user))
    refusal = services.deliver_refusal(request.user, obj)
    context = {
        "req": obj,
        "refusal": refusal,
        **(selectors.deliver_summary(obj, request.user.provider_id) if refusal is None else {}),
        "form": DeliverForm() if refusal is None else None,
        "action_url": reverse("assistance:provider_deliver", args=[obj.pk]),
        "cancel_url": reverse("assistance:provider_request", args=[obj.pk]),
    }
    return render(request, "assistance/confirm/deliver.html", context, status=refusal.status if refusal else 200)
