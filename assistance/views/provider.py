"""Provider staff's pages: the inbox of requests routed to their organisation, one request with its
needs and the matrix cells they address, and the actions on it (claim, release, join as supporting,
report progress, mark delivered). Provider staff only; every change goes through services.

A refused action is shown on the request's page with its status (409, 403, 400 with the reasons next
to the form's fields); a request not routed to the organisation is the 404 page
(`DomainErrorPagesMiddleware`).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from assistance import selectors, services
from assistance.filtersets import InboxFilterSet
from assistance.forms import DeliverForm, ProgressForm
from portal.accounts.decorators import provider_required
from portal.core.exceptions import DomainError, InvalidInput
from portal.core.pages import paginate

PAGE_SIZE = 50


@provider_required
@require_safe
def inbox(request):
    """The requests routed to the organisation, newest submission first, with the score and reasons: by
    default those awaiting a claim and the organisation's own work, all of them with `?scope=all`."""
    provider_id = request.user.provider_id
    filterset = InboxFilterSet(request.GET, queryset=selectors.routed_to(request.user), request=request)
    if not filterset.is_valid():
        context = {"form": filterset.form, "page": None, "scope_tabs": filterset.scope_tabs()}
        return render(request, "assistance/provider/inbox.html", context, status=400)
    page = paginate(request, selectors.inbox_rows(filterset.qs, provider_id), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": filterset.form,
        "page": selectors.describe_inbox_page(page),
        "query": query.urlencode(),
        "provider_id": provider_id,
        "scope_tabs": filterset.scope_tabs(),
    }
    return render(request, "assistance/provider/inbox.html", context)


# ---------------------------------------------------------------------------------------------
# One request and the actions on it


def _routed_request(request, pk):
    return services.get_visible(request.user, pk, selectors.routed_to(request.user))


def _detail_page(request, obj, *, progress_form=None, deliver_form=None, error=None, status=200):
    context = {
        **selectors.provider_request(obj, request.user.provider_id),
        "progress_form": progress_form or ProgressForm(),
        "deliver_form": deliver_form or DeliverForm(),
        "action_error": error,
    }
    return render(request, "assistance/provider/request.html", context, status=status)


@provider_required
@require_safe
def request_detail(request, pk):
    return _detail_page(request, _routed_request(request, pk))


def _act(request, pk, perform, success, *, form_class=None, form_key=None):
    """Run one action through the services; a refusal is shown on the request page with its status."""
    obj = _routed_request(request, pk)
    form = form_class(request.POST) if form_class else None
    forms = {form_key: form} if form else {}
    if form is not None and not form.is_valid():
        return _detail_page(request, obj, status=400, **forms)
    try:
        perform(obj, **(form.cleaned_data if form else {}))
    except InvalidInput as exc:
        if form is not None:
            form.add_service_errors(exc.errors)
        return _detail_page(request, obj, error=exc.message, status=exc.status, **forms)
    except DomainError as exc:
        if exc.status == 404:
            raise
        # The page shows the request as it is now, with what was refused and why.
        return _detail_page(request, _routed_request(request, pk), error=exc.message, status=exc.status, **forms)
    messages.success(request, success)
    return redirect("assistance:provider_request", pk=pk)


@provider_required
@require_POST
def claim(request, pk):
    return _act(
        request,
        pk,
        lambda obj: services.claim(obj, acting_user=request.user),
        _("Your organisation leads this request now. The other matched providers may join as supporting."),
    )


@provider_required
@require_POST
def release(request, pk):
    return _act(
        request,
        pk,
        lambda obj: services.release(obj, acting_user=request.user),
        _("You released the request: the other matched providers may claim it."),
    )


@provider_required
@require_POST
def join(request, pk):
    return _act(
        request,
        pk,
        lambda obj: services.join(obj, acting_user=request.user),
        _("Your organisation supports this request now."),
    )


@provider_required
@require_POST
def progress(request, pk):
    return _act(
        request,
        pk,
        lambda obj, note: services.report_progress(obj, note=note, acting_user=request.user),
        _("Your progress report was saved."),
        form_class=ProgressForm,
        form_key="progress_form",
    )


@provider_required
@require_POST
def deliver(request, pk):
    return _act(
        request,
        pk,
        lambda obj, summary: services.deliver(obj, summary=summary, acting_user=request.user),
        _("Marked delivered: the State is asked for its feedback."),
        form_class=DeliverForm,
        form_key="deliver_form",
    )
