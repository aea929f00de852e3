"""Managing a State's points of contact and issue champions: its officials keep their own State's
contacts current; the Committee's experts and the administrators may do so for any State.

Thin views: every change goes through `states.contacts`, which decides who may do what (403 for a
refusal, 404 for a contact of another State) and what a valid contact is (its errors come back next to
the form's fields, with a 400, and nothing is saved). Each page runs a fixed number of queries whatever
the number of contacts.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.core.exceptions import InvalidInput, NotFound, NotVisible
from states import contacts
from states.forms import ContactForm
from states.models import Contact, State


def _state_managed(request, iso3) -> State:
    """The State of the URL, when the user may manage its contacts (else the login page, a 403 or a 404)."""
    if not request.user.is_authenticated:
        raise _LoginFirst
    state = State.objects.filter(iso3=iso3.upper()).first()
    if state is None:
        raise NotFound(_("No UN Member State has the ISO code %(iso3)s.") % {"iso3": iso3.upper()})
    refusal = contacts.manage_refusal(request.user, state.pk)
    if refusal:
        raise refusal
    return state


class _LoginFirst(Exception):
    pass


def _managed(view):
    """Run `view(request, state, ...)` for the State's officials and the Committee; send others away."""

    def wrapper(request, iso3, *args, **kwargs):
        try:
            state = _state_managed(request, iso3)
        except _LoginFirst:
            return redirect_to_login(request.get_full_path())
        return view(request, state, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _contact_of(state, pk) -> Contact:
    """One of the State's contacts; a 404 for any other id."""
    contact = Contact.objects.select_related("state").filter(state=state, pk=pk).first()
    if contact is None:
        raise NotVisible(_("No contact %(id)s of %(state)s.") % {"id": pk, "state": state.name})
    return contact


def _render_list(request, state, form, status=200):
    rows = contacts.describe(contacts.visible_contacts(request.user, state))
    context = {
        "state": state,
        "contacts": rows,
        "overdue": [c for c in rows if c.overdue],
        "form": form,
        "may_confirm": contacts.confirm_refusal(request.user, state.pk) is None,
        "by_committee": request.user.is_reviewer,
    }
    return render(request, "states/contacts/manage.html", context, status=status)


def _save(request, form, state=None, contact=None):
    """Create or change the contact through the services; None with their errors put on the form."""
    try:
        if contact is None:
            return contacts.create(state, form.contact_data(), acting_user=request.user)
        return contacts.update(contact, form.contact_data(), acting_user=request.user)
    except InvalidInput as exc:
        form.add_service_errors(exc.errors)
        form.add_error(None, exc.message)
        return None


@require_http_methods(["GET", "HEAD", "POST"])
@_managed
def contact_list(request, state):
    """The State's contacts, the overdue ones flagged, and the form to add one (POST adds it)."""
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            contact = _save(request, form, state=state)
            if contact is not None:
                messages.success(request, _("%(name)s was added.") % {"name": contact.name})
                return redirect("states:contacts", iso3=state.iso3)
        return _render_list(request, state, form, status=400)
    return _render_list(request, state, ContactForm())


@require_http_methods(["GET", "HEAD", "POST"])
@_managed
def contact_edit(request, state, pk):
    contact = _contact_of(state, pk)
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            saved = _save(request, form, contact=contact)
            if saved is not None:
                messages.success(request, _("%(name)s was saved.") % {"name": saved.name})
                return redirect("states:contacts", iso3=state.iso3)
        status = 400
    else:
        form = ContactForm(initial=ContactForm.initial_from(contacts.as_data(contact)))
        status = 200
    context = {"state": state, "contact": contact, "form": form, "by_committee": request.user.is_reviewer}
    return render(request, "states/contacts/edit.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@_managed
def contact_delete(request, state, pk):
    """POST deletes; GET asks first."""
    contact = _contact_of(state, pk)
    if request.method == "POST":
        contacts.delete(contact, acting_user=request.user)
        messages.success(request, _("%(name)s was deleted.") % {"name": contact.name})
        return redirect("states:contacts", iso3=state.iso3)
    return render(request, "states/contacts/delete.html", {"state": state, "contact": contact})


@require_POST
@_managed
def contact_confirm(request, state, pk):
    """The State's officials confirm a contact as still current."""
    contact = contacts.confirm(_contact_of(state, pk), acting_user=request.user)
    messages.success(request, _("%(name)s is confirmed as current.") % {"name": contact.name})
    return redirect("states:contacts", iso3=state.iso3)
