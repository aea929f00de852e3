"""The State official's assistance pages: the State's dashboard of requests, the assistance template as a
web form (pre-filled from the gap list), one request with its matches and their reasons, and the actions
on it (submit, withdraw, feedback).

Thin views: they parse the input, call `assistance.selectors` or `assistance.services`, and render. A
refused action raises its domain error, which `DomainErrorPagesMiddleware` answers with its status
(400, 403, 404, 409), never a 500; a template the services find wanting comes back with the reasons
next to its fields. Every page runs a constant number of SQL queries whatever the number of requests,
needs or matches.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assistance import offers, selectors, services
from assistance.forms import FeedbackForm, RequestForm, as_form_data, initial_from, parse_cell
from assistance.models import AssistanceRequest
from portal.accounts.decorators import official_required
from portal.core.exceptions import InvalidInput, NotVisible
from portal.core.languages import language_name
from portal.core.models import IdempotencyRecord

R = AssistanceRequest.Status
DETAILED = AssistanceRequest.objects.prefetch_related(*selectors.DETAIL_PREFETCH)


def _detail_url(obj):
    return reverse("assistance:request_detail", args=[obj.pk])


def _own_request(request, pk, refusal, queryset=None) -> AssistanceRequest:
    """A request the user may see (else 404) of the user's own State (else 403 with `refusal`)."""
    obj = services.get_visible(request.user, pk, queryset)
    if not request.user.is_official_of(obj.state_id):
        raise PermissionDenied(refusal)
    return obj


# ---------------------------------------------------------------------------------------------
# The template form


def _form(request, *, data=None, initial=None, slots=0, extra_cells=()):
    """The template form with the areas, providers and the cells a need may point at."""
    if data is not None:
        slots = max(slots, RequestForm.slots_in(data))
        extra_cells = RequestForm.cells_in(data)
    choices = selectors.template_choices(request.user, extra_cells)
    return RequestForm(data, initial=initial, slots=slots, **choices)


def _render_form(request, form, *, obj=None, status=200, prefilled=0, started_from=None):
    action_url = reverse("assistance:edit_request", args=[obj.pk]) if obj else reverse("assistance:new_request")
    context = {
        "form": form,
        "obj": obj,
        "needs": form.needs(),
        "prefilled": prefilled,
        "started_from": started_from,
        "max_needs": services.MAX_NEEDS,
        "action_url": action_url,
    }
    return render(request, "assistance/official/request_form.html", context, status=status)


def _saved_message(request, pk, submitted):
    if submitted:
        messages.success(request, _("Request #%(id)s was submitted and is being routed.") % {"id": pk})
    else:
        messages.success(request, _("Draft #%(id)s was saved.") % {"id": pk})


class FormSentBefore(Exception):
    """The "new request" form with this token was saved already (a double click, a retry)."""


def _claim_form_token(request, token):
    """Record the new-request form's token (inside the saving transaction); FormSentBefore if it was.

    The token is an idempotency key like the API's (user, key, path): a form sent twice at once
    waits here for the first to commit, then finds its record."""
    if not token:
        return None
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=request.user, key=token, path=request.path, status_code=302, body={}
            )
    except IntegrityError:
        raise FormSentBefore from None


def _sent_before(request, token):
    """The answer to a new-request form already saved with this token: the same redirect; else None."""
    if not token:
        return None
    stored = IdempotencyRecord.objects.filter(user=request.user, key=token, path=request.path).first()
    if stored is None or "request" not in stored.body:
        return None
    _saved_message(request, stored.body["request"], stored.body.get("submitted"))
    return redirect("assistance:request_detail", pk=stored.body["request"])


def _save(request, form, obj=None):
    """Save (and submit, when asked) through the services; all or nothing. The request, or None with
    the services' errors put on the form.

    A new request is saved once per form token: FormSentBefore when the form was saved already."""
    data = form.template_data()
    submitting = request.POST.get("action") == "submit"
    try:
        with transaction.atomic():
            if obj is None:
                sent = _claim_form_token(request, form.cleaned_data.get("form_token"))
                obj = services.create(request.user.state, data, acting_user=request.user, submitting=submitting)
                if sent is not None:
                    sent.body = {"request": obj.pk, "submitted": submitting}
                    sent.save(update_fields=["body"])
            else:
                obj = services.update(obj, data, acting_user=request.user, submitting=submitting)
            if submitting:
                services.submit(obj, acting_user=request.user)
    except InvalidInput as exc:
        form.add_service_errors(exc.errors)
        form.add_error(None, exc.message)
        return None
    _saved_message(request, obj.pk, submitting)
    return obj


# ---------------------------------------------------------------------------------------------
# Pages


@official_required
@require_safe
def my_requests(request):
    """The State's dashboard: every request with its status, dates, the provider and what to do next."""
    context = {"state": request.user.state, **selectors.state_requests(request.user)}
    return render(request, "assistance/official/my_requests.html", context)


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def new_request(request):
    """The assistance template; `?cells=<matrix>|<row>|<column>|<aspect>` (from the gaps page) pre-fills it,
    and so does `?offer=<id>` ("request this" on a current offer: its provider preferred, `from_offer` kept)."""
    if request.method == "POST":
        return _create(request)
    values = request.GET.getlist("cells")[:200]
    cells = [cell for cell in map(parse_cell, values) if cell]
    if len(cells) < len(values):
        messages.warning(request, _("Some of the selected cells were not understood and were left out."))
    initial = {"form_token": uuid.uuid4().hex}
    if cells:
        initial |= selectors.prefilled_template(request.user, cells)
    started_from = _offer_named(request, request.GET.get("offer"), warn=True)
    if started_from is not None:
        # "Request this": what the offer says for sure; the cells' suggestions stand where it says nothing.
        initial |= {k: v for k, v in offers.prefill_request(started_from).items() if v not in (None, "", [])}
    form = _form(request, initial=initial, extra_cells=cells)
    return _render_form(request, form, prefilled=len(cells), started_from=started_from)


def _offer_named(request, value, *, warn=False):
    """The current offer `value` names ("request this"), or None (with a warning when `warn`)."""
    if value in (None, ""):
        return None
    try:
        return offers.get_visible(request.user, int(value))
    except (ValueError, NotVisible):
        if warn:
            messages.warning(request, _("That offer is not open for requests now: the form starts without it."))
        return None


def _create(request):
    """A new request sent: saved once (a form sent again answers as the first time), or the form's errors."""
    token = request.POST.get("form_token", "")
    replay = _sent_before(request, token)
    if replay is not None:
        return replay
    form = _form(request, data=request.POST)
    if form.is_valid():
        try:
            obj = _save(request, form)
        except FormSentBefore:
            return _sent_before(request, token) or redirect("assistance:my_requests")
        if obj is not None:
            return redirect(_detail_url(obj))
    return _render_form(request, form, status=400, started_from=_offer_named(request, request.POST.get("from_offer")))


@official_required
@require_safe
def request_detail(request, pk):
    """One request: its needs and matrix cells, timeline, matches with their reasons, progress, feedback."""
    obj = services.get_visible(request.user, pk, DETAILED)
    if obj.state_id != request.user.state_id:
        # Another State's request, published with its consent: its public page.
        return redirect("assistance:public_request", pk=obj.pk)
    return _render_detail(request, obj)


def _render_detail(request, obj, *, feedback_form=None, status=200):
    if feedback_form is None and obj.status == R.DELIVERED:
        feedback_form = FeedbackForm()
    context = {
        **selectors.official_request(obj),
        "feedback_form": feedback_form,
        "language_name": language_name(obj.language),
    }
    return render(request, "assistance/official/request_detail.html", context, status=status)


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_request(request, pk):
    """Change a draft (and submit it, with the form's Submit button)."""
    obj = _own_request(request, pk, _("Only the State's officials change its requests."), DETAILED)
    if obj.status != R.DRAFT:
        messages.warning(
            request, _("Only a draft can be changed; this request is %(s)s.") % {"s": obj.get_status_display()}
        )
        return redirect(_detail_url(obj))
    if request.method == "POST":
        form = _form(request, data=request.POST)
        if form.is_valid():
            saved = _save(request, form, obj)
            if saved is not None:
                return redirect(_detail_url(saved))
        return _render_form(request, form, obj=obj, status=400)
    initial, slots = initial_from(selectors.request_template(obj))
    form = _form(request, initial=initial, slots=slots, extra_cells=_cells_of(initial))
    return _render_form(request, form, obj=obj)


def _cells_of(initial):
    return [
        cell for name, values in initial.items() if name.endswith("-cells") for cell in map(parse_cell, values) if cell
    ]


@official_required
@require_POST
def submit(request, pk):
    """Submit a saved draft for routing; a vague one comes back with the reasons next to the fields."""
    obj = services.get_visible(request.user, pk, DETAILED)
    try:
        services.submit(obj, acting_user=request.user)
    except InvalidInput as exc:
        initial, slots = initial_from(selectors.request_template(obj))
        form = _form(request, data=as_form_data(initial), slots=slots)
        form.is_valid()
        form.template_data()
        form.add_service_errors(exc.errors)
        form.add_error(None, exc.message)
        return _render_form(request, form, obj=obj, status=400)
    _saved_message(request, obj.pk, submitted=True)
    return redirect(_detail_url(obj))


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request, pk):
    """Withdraw a request before delivery (GET asks for confirmation)."""
    obj = services.get_visible(request.user, pk)
    if request.method == "POST":
        services.withdraw(obj, acting_user=request.user)
        messages.success(request, _("Request #%(id)s was withdrawn.") % {"id": obj.pk})
        return redirect(_detail_url(obj))
    if not request.user.is_official_of(obj.state_id):
        raise PermissionDenied(_("Only the State's officials withdraw its requests."))
    context = {"obj": obj, "can_withdraw": obj.status in services.WITHDRAWABLE}
    return render(request, "assistance/official/withdraw.html", context)


@official_required
@require_POST
def feedback(request, pk):
    """The State rates delivered assistance; this closes the request."""
    obj = services.get_visible(request.user, pk, DETAILED)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.give_feedback(
                obj, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"], acting_user=request.user
            )
        except InvalidInput as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, _("Thank you: your feedback was recorded and the request is closed."))
            return redirect(_detail_url(obj))
    if not request.user.is_official_of(obj.state_id):
        raise PermissionDenied(_("Only the State's officials give feedback on its requests."))
    return _render_detail(request, obj, feedback_form=form, status=400)
