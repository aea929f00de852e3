"""The Committee experts' action-plan pages: which States have plans and how current they are, the items
waiting for assistance across States, and one version to review with comments on the whole plan and on
each item. Experts and administrators only; comments are written through `plans.services.comment`.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from plans import queries, services
from plans.forms import PlanCommentForm
from portal.accounts.decorators import reviewer_required
from portal.core import pages
from portal.core.exceptions import DomainError, InvalidInput
from portal.core.pages import paginate

PAGE_SIZE = 50


@reviewer_required
@require_safe
def review_list(request):
    tab_key = request.GET.get("tab") or "states"
    if tab_key not in queries.REVIEW_TABS:
        raise InvalidInput(
            _("Unknown tab %(tab)s: choose one of %(tabs)s.")
            % {"tab": tab_key, "tabs": ", ".join(queries.REVIEW_TABS)},
            code="invalid-parameter",
        )
    if tab_key == "waiting":
        page = paginate(request, queries.waiting_items(), PAGE_SIZE)
        page.object_list = queries.describe_waiting(page.object_list)
    else:
        page = paginate(request, queries.states_with_plans(), PAGE_SIZE)
        page.object_list = queries.describe_states(page.object_list)
    counts = queries.review_counts(known={tab_key: page.paginator.count})
    tabs, query = pages.tabs(request, queries.REVIEW_TABS, counts, tab_key, param="tab")
    context = {"page": page, "tabs": tabs, "query": query, "tab_key": tab_key}
    return render(request, "plans/expert/review_list.html", context)


def _review(request, plan, *, forms=None, error=None, status=200):
    context = queries.review_page(plan)
    forms = forms or {}
    context["plan_form"] = forms[None] if None in forms else PlanCommentForm(auto_id="comment_plan_%s")
    for item in context["items"]:
        item.comment_form = (
            forms[item.pk]
            if item.pk in forms
            else PlanCommentForm(initial={"item": item.pk}, auto_id=f"comment_{item.pk}_%s")
        )
    context["action_error"] = error
    return render(request, "plans/expert/review.html", context, status=status)


@reviewer_required
@require_safe
def review(request, pk):
    return _review(request, services.get_visible(request.user, pk))


@reviewer_required
@require_POST
def review_comment(request, pk):
    """A comment on the whole version, or on one of its items (`item`). A refused comment is shown on the
    review page with what was wrong; nothing is saved."""
    plan = services.get_visible(request.user, pk)
    item_pk = request.POST.get("item") or None
    item = queries.item_of(plan, item_pk) if item_pk else None
    if item_pk and item is None:
        return _review(request, plan, error=_("That item is not part of this version."), status=400)
    form = PlanCommentForm(request.POST, auto_id=f"comment_{item.pk}_%s" if item else "comment_plan_%s")
    key = item.pk if item else None
    if not form.is_valid():
        return _review(request, plan, forms={key: form}, status=400)
    try:
        services.comment(plan, body=form.body_text(), item=item, acting_user=request.user)
    except DomainError as exc:
        if exc.status == 404:
            raise
        form.add_service_errors(getattr(exc, "errors", None))
        return _review(request, plan, forms={key: form}, error=exc.message, status=exc.status)
    messages.success(request, _("Your comment was saved."))
    anchor = f"#item-{item.pk}" if item else "#plan-comments"
    return redirect(reverse("plans:review", args=[plan.pk]) + anchor)
