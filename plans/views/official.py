"""The State officials' action plan pages: the State's versions, starting a new one, the editor of a
version (its fields, its items drafted from the gap list, its document), asking for assistance from an
item, and sharing, taking back and publishing a version (with a confirmation page for publishing).

The Committee's experts open a version read-only; another State's official, a provider's staff and
the public do not get here (404 for a version they may not see, 403 otherwise; anonymous visitors log
in first). A plan document is downloaded by whoever may see its version, never from a public media URL.

Thin views: they parse the input, call `plans.selectors` or `plans.services`, and render. A refused
action raises its domain error, which `DomainErrorPagesMiddleware` answers with its status (403, 404,
409); input the services find wanting comes back next to its fields with status 400, nothing saved.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from plans import selectors, services
from plans.forms import DocumentForm, ItemForm, PlanForm
from plans.models import Plan
from portal.accounts.decorators import official_required, role_required
from portal.core import uploads
from portal.core.exceptions import InvalidInput, InvalidTransition, NotAllowed, NotFound

# A State's officials write their plan; the Committee's experts read every version.
plan_pages_required = role_required(
    lambda user: user.is_state_official or user.is_reviewer,
    gettext_lazy("The action plan pages are for State officials and the Committee's experts."),
)


def _version(request, pk) -> Plan:
    """A version the user may see (else 404) that is the user's State's or that an expert reads (else 403)."""
    plan = services.get_visible(request.user, pk)
    if not (request.user.is_reviewer or request.user.is_official_of(plan.state_id)):
        raise PermissionDenied(
            _("Only the State's officials work on its action plan; its published versions are public.")
        )
    return plan


def _own_version(request, pk) -> Plan:
    """A version of the user's own State (404 if not visible, 403 for anyone else)."""
    plan = services.get_visible(request.user, pk)
    if not request.user.is_official_of(plan.state_id):
        raise NotAllowed(_("Only the State's officials change its action plan."))
    return plan


def _draft(plan):
    """The item forms open on a draft only: a shared or published version is not edited (409)."""
    if plan.status != Plan.Status.DRAFT:
        raise InvalidTransition(
            _("Only a draft can be changed; version %(v)s is %(s)s.")
            % {"v": plan.version, "s": plan.get_status_display()}
        )


def _editor_url(plan, anchor=""):
    return reverse("plans:edit", args=[plan.pk]) + anchor


# ---------------------------------------------------------------------------------------------
# The State's versions


@official_required
@require_safe
def mine(request):
    """ "Our action plan": the State's versions with their progress, and where to go on."""
    context = {"state": request.user.state, **selectors.state_versions(request.user)}
    return render(request, "plans/official/mine.html", context)


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def new_version(request):
    """Start a new version: its fields (those of the latest published version to start with); its items
    are copied from that version by the services."""
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                plan = services.create(request.user.state, form.plan_data(), acting_user=request.user)
            except InvalidInput as exc:
                form.add_service_errors(exc.errors)
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Version %(v)s of the action plan was started.") % {"v": plan.version})
                return redirect(_editor_url(plan))
        return _render_new(request, form, status=400)
    open_version = selectors.state_versions(request.user)["open_version"]
    if open_version is not None:
        messages.info(
            request,
            _("Version %(v)s is still open: finish it before starting another.") % {"v": open_version.version},
        )
        return redirect(_editor_url(open_version))
    return _render_new(request, PlanForm(initial=selectors.new_version_initial(request.user.state)))


def _render_new(request, form, status=200):
    base = services.latest_published(request.user.state)
    return render(request, "plans/official/new.html", {"form": form, "base": base}, status=status)


# ---------------------------------------------------------------------------------------------
# One version


@plan_pages_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request, pk):
    """The editor of a version (read-only for the Committee's experts and for versions no longer
    drafts); a POST saves the version's own fields."""
    plan = _version(request, pk)
    if request.method == "POST":
        if not request.user.is_official_of(plan.state_id):
            raise NotAllowed(_("Only the State's officials change its action plan."))
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                services.update(plan, form.plan_data(), acting_user=request.user)
            except InvalidInput as exc:
                form.add_service_errors(exc.errors)
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The plan was saved."))
                return redirect(_editor_url(plan))
        return _render_editor(request, plan, plan_form=form, status=400)
    return _render_editor(request, plan)


def _render_editor(request, plan, *, plan_form=None, document_form=None, submit_errors=None, status=200):
    context = selectors.editor(plan, request.user)
    if context["can_edit"]:
        context["plan_form"] = plan_form or PlanForm(initial=PlanForm.initial_from(plan))
        context["document_form"] = document_form or DocumentForm()
    context["submit_errors"] = submit_errors or []
    return render(request, "plans/official/editor.html", context, status=status)


@official_required
@require_POST
def attach_document(request, pk):
    """Upload the plan as a document (Word, PDF or OpenDocument) to a draft."""
    plan = _own_version(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attach_document(plan, document=form.cleaned_data["document"], acting_user=request.user)
        except InvalidInput as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, _("The plan document was uploaded."))
            return redirect(_editor_url(plan, "#plan-document"))
    _draft(plan)
    return _render_editor(request, plan, document_form=form, status=400)


@require_safe
def document(request, pk):
    """The plan's document, to whoever may see the version; never cached by a shared cache."""
    plan = services.get_visible(request.user, pk)
    if not plan.document:
        raise NotFound(_("No document is attached to this version of the plan."))
    return uploads.document_response(
        plan.document,
        filename=plan.document_name,
        missing=_("No document is attached to this version of the plan."),
    )


@official_required
@require_POST
def submit(request, pk):
    """Share a draft with the Committee; one with no item and no document comes back saying so (400)."""
    plan = _own_version(request, pk)
    try:
        services.submit(plan, acting_user=request.user)
    except InvalidInput as exc:
        problems = [str(p) for values in (exc.errors or {}).values() for p in values] or [exc.message]
        return _render_editor(request, plan, submit_errors=problems, status=400)
    messages.success(request, _("The plan was shared with the Committee: its experts can now comment on it."))
    return redirect(_editor_url(plan))


@official_required
@require_POST
def reopen(request, pk):
    """Take a shared version back to draft, to revise it."""
    plan = _own_version(request, pk)
    services.reopen(plan, acting_user=request.user)
    messages.success(request, _("The plan is a draft again: revise it, then share it again."))
    return redirect(_editor_url(plan))


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def publish(request, pk):
    """Publish a shared version with the State's consent; GET asks for confirmation and says what the
    public will see."""
    plan = services.get_visible(request.user, pk)
    if request.method == "POST":
        services.consent(plan, acting_user=request.user)
        messages.success(
            request, _("Version %(v)s of the action plan is published: everyone can read it.") % {"v": plan.version}
        )
        return redirect(_editor_url(plan))
    refusal = services.consent_refusal(request.user, plan)
    if isinstance(refusal, NotAllowed):
        raise refusal
    context = {
        "plan": plan,
        "refusal": refusal,
        **(selectors.publish_summary(plan) if refusal is None else {}),
        "action_url": reverse("plans:publish", args=[plan.pk]),
        "cancel_url": _editor_url(plan),
    }
    return render(request, "plans/official/confirm_publish.html", context, status=refusal.status if refusal else 200)


# ---------------------------------------------------------------------------------------------
# Items


def _item(plan, item_pk):
    item = selectors.own_item(plan, item_pk)
    if item is None:
        raise NotFound(_("Version %(v)s of the plan has no item %(id)s.") % {"v": plan.version, "id": item_pk})
    return item


def _item_form(request, *, data=None, initial=None):
    chosen = ItemForm.chosen_in(data) if data is not None else (initial or {}).get("initial_cells", [])
    return ItemForm(data, initial=initial, **selectors.cell_choices(request.user, chosen))


def _render_item_form(request, plan, form, *, item=None, status=200, prefilled=0):
    action_url = (
        reverse("plans:edit_item", args=[plan.pk, item.pk]) if item else reverse("plans:add_item", args=[plan.pk])
    )
    context = {"plan": plan, "item": item, "form": form, "action_url": action_url, "prefilled": prefilled}
    return render(request, "plans/official/item_form.html", context, status=status)


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def add_item(request, pk):
    """A new item, its cells picked from the State's gaps."""
    plan = _own_version(request, pk)
    if request.method == "POST":
        form = _item_form(request, data=request.POST)
        if form.is_valid():
            try:
                item = services.add_item(plan, form.item_data(), acting_user=request.user)
            except InvalidInput as exc:
                form.add_service_errors(exc.errors)
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The item was added."))
                return redirect(_editor_url(plan, f"#item-{item.pk}"))
        _draft(plan)
        return _render_item_form(request, plan, form, status=400)
    _draft(plan)
    # From the gap list: `?cells=<matrix>|<row>|<column>|<aspect>` ticks those cells.
    initial = {"initial_cells": ItemForm.chosen_in(request.GET)} if "cells" in request.GET else None
    form = _item_form(request, initial=initial)
    return _render_item_form(request, plan, form, prefilled=form.ticked if initial else 0)


@official_required
@require_safe
def add_item_from_gaps(request):
    """The gap list's "Add to our action plan": the item form of the State's draft, with the cells
    chosen on the gap list ticked (409 when the State has no draft to add to)."""
    open_version = selectors.state_versions(request.user)["open_version"]
    if open_version is None or open_version.status != Plan.Status.DRAFT:
        raise InvalidTransition(
            _("Your State has no draft of its action plan to add a measure to: start a new version first.")
            if open_version is None
            else _("Version %(v)s of the plan is shared with the Committee: take it back to draft first.")
            % {"v": open_version.version}
        )
    url = reverse("plans:add_item", args=[open_version.pk])
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_item(request, pk, item_pk):
    """Change an item of a draft."""
    plan = _own_version(request, pk)
    item = _item(plan, item_pk)
    if request.method == "POST":
        form = _item_form(request, data=request.POST)
        if form.is_valid():
            try:
                services.update_item(item, form.item_data(), acting_user=request.user)
            except InvalidInput as exc:
                form.add_service_errors(exc.errors)
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The item was saved."))
                return redirect(_editor_url(plan, f"#item-{item.pk}"))
        _draft(plan)
        return _render_item_form(request, plan, form, item=item, status=400)
    _draft(plan)
    return _render_item_form(request, plan, _item_form(request, initial=ItemForm.initial_from(item)), item=item)


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_item(request, pk, item_pk):
    """Delete an item of a draft (GET asks for confirmation)."""
    plan = _own_version(request, pk)
    item = _item(plan, item_pk)
    if request.method == "POST":
        services.delete_item(item, acting_user=request.user)
        messages.success(request, _("The item was deleted."))
        return redirect(_editor_url(plan, "#plan-items"))
    _draft(plan)
    context = {"plan": plan, "item": item, "cancel_url": _editor_url(plan, f"#item-{item.pk}")}
    return render(request, "plans/official/confirm_delete_item.html", context)


@official_required
@require_POST
def start_request(request, pk, item_pk):
    """Ask for assistance for an item: a draft request is started from it (or the one started before is
    opened), and the official completes it on the assistance template."""
    plan = _own_version(request, pk)
    item = _item(plan, item_pk)
    _draft(plan)
    obj = services.start_request(item, acting_user=request.user)
    if obj.status == "draft":
        messages.success(
            request,
            _("A draft assistance request was started from the item: complete it, then submit it."),
        )
        return redirect("assistance:edit_request", pk=obj.pk)
    return redirect("assistance:request_detail", pk=obj.pk)
