"""Confirmation pages: before an irreversible action on a matrix version (submit, consent to publish
or withdraw it, approve), a page that says what will happen, with a summary of the version, and a
form that posts to the action's own URL (unchanged), or a Cancel link back.

Each page has the same access checks as its action: the action's decorator, the version the user
may see (404 otherwise), and who may act (403). What the service would refuse for the version's
status is said on the page, with no button, instead of surprising the user after they confirmed.
The pages work without JavaScript; each runs a fixed number of queries.
"""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from matrices import selectors, services
from matrices.forms import ConsentForm
from portal.accounts.decorators import reviewer_required, workspace_required
from portal.core.exceptions import InvalidInput, NotAllowed


def _page(request, template, matrix, refusal, **context):
    """The confirmation page; a refusal other than 403 is shown on it, with the refusal's status."""
    if isinstance(refusal, NotAllowed):
        raise refusal
    context.update(matrix=matrix, refusal=refusal)
    return render(request, template, context, status=refusal.status if refusal else 200)


@workspace_required
@require_safe
def confirm_submit(request, pk):
    """Before submitting a version for review: cells changed, gaps left, open comments, the report."""
    matrix = selectors.visible_matrix(request.user, pk)
    refusal = services.submit_refusal(request.user, matrix)
    summary = selectors.action_summary(matrix) if refusal is None else None
    return _page(
        request,
        "matrices/confirm/submit.html",
        matrix,
        refusal,
        summary=summary,
        warnings=selectors.submit_warnings(summary) if summary else [],
        action_url=reverse("matrices:submit", args=[matrix.pk]),
        cancel_url=reverse("matrices:workspace", args=[matrix.pk]),
    )


@workspace_required
@require_safe
def confirm_consent(request, pk):
    """Before giving (`?consent=1`) or withdrawing (`?consent=0`) consent to publish a version;
    without `consent`, the change the version's state calls for."""
    matrix = selectors.visible_matrix(request.user, pk)
    if "consent" in request.GET:
        form = ConsentForm(request.GET)
        if not form.is_valid():
            raise InvalidInput(_("Say whether you give (1) or withdraw (0) consent."))
        give = form.cleaned_data["consent"]
    else:
        give = matrix.consent_given_at is None
    refusal = services.consent_refusal(request.user, matrix)
    summary = selectors.action_summary(matrix) if refusal is None else None
    return _page(
        request,
        "matrices/confirm/consent.html",
        matrix,
        refusal,
        give=give,
        summary=summary,
        action_url=reverse("matrices:consent", args=[matrix.pk]),
        cancel_url=reverse("matrices:workspace", args=[matrix.pk]),
        public_url=matrix.get_absolute_url() if matrix.is_published else None,
    )


@reviewer_required
@require_safe
def confirm_approve(request, pk):
    """Before approving a version: its cells, the open comments, and whether the State consented
    (then approving publishes it at once)."""
    matrix = services.get_visible(request.user, pk)
    refusal = services.approve_refusal(request.user, matrix)
    summary = selectors.action_summary(matrix) if refusal is None else None
    return _page(
        request,
        "matrices/confirm/approve.html",
        matrix,
        refusal,
        summary=summary,
        action_url=reverse("matrices:approve", args=[matrix.pk]),
        cancel_url=reverse("matrices:review", args=[matrix.pk]),
    )
