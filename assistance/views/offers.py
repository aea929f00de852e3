"""Assistance offers on the pages: what providers offer, for the public (the current offers, one offer,
each provider's page with its turnaround) and for the people who manage them (a provider's staff their
organisation's offers; the Committee's experts and administrators any provider's, say for one without
an account).

Thin views: every change goes through `assistance.offers`, which decides who may do what (403 for a
refusal, 404 for an offer the user may not see, 409 for a withdrawn one) and what a valid offer is (its
errors come back next to the form's fields, with a 400, and nothing is saved). The same views serve the
provider's URLs (`/assistance/provider/offers/...`) and the Committee's (`/assistance/expert/offers/...`);
which one a user has is their role. Each page runs a fixed number of queries whatever the number of offers.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assistance import offers, selectors
from assistance.filtersets import CommitteeOfferFilterSet, ManagedOfferFilterSet, PublicOfferFilterSet
from assistance.forms import OfferForm
from assistance.models import Offer
from portal.accounts.decorators import provider_required, reviewer_required
from portal.core.exceptions import InvalidInput
from portal.core.pages import paginate

PAGE_SIZE = 25


def _scope(user) -> str:
    """Which URLs the user manages offers through: the provider's or the Committee's."""
    return "expert" if user.is_reviewer else "provider"


def _url(user, name, *args) -> str:
    return reverse(f"assistance:{_scope(user)}_{name}", args=args)


def _filtered(request, filterset_class, queryset):
    """The list's filter set and the page of offers it keeps (none, with a 400, when a filter is wrong)."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    valid = filterset.is_valid() if filterset.is_bound else True
    page = paginate(request, selectors.offer_rows(filterset.qs if valid else queryset.none()), PAGE_SIZE)
    page.object_list = selectors.describe_offers(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": filterset.form,
        "filtered": filterset.is_bound and any(request.GET.get(name) for name in filterset.filters),
        "page": page,
        "query": query.urlencode(),
    }
    return context, 200 if valid else 400


# ---------------------------------------------------------------------------------------------
# The public pages


@require_safe
def offer_list(request):
    """The current published offers, filterable (`eligible`: those a State may receive); the same for everyone."""
    context, status = _filtered(request, PublicOfferFilterSet, selectors.public_offers())
    return render(request, "assistance/offers/list.html", context, status=status)


@require_safe
def offer_detail(request, pk):
    """One offer: the public sees it while it is current; its provider's staff and the Committee always."""
    offer = offers.get_visible(request.user, pk)
    (offer,) = selectors.describe_offers([offer])
    user = request.user
    context = {
        "offer": offer,
        "can_request": offer.is_current and user.is_authenticated and user.is_state_official,
        "can_manage": offers.can_manage(user, offer),
        "edit_url": _url(user, "offer_edit", offer.pk) if offers.can_manage(user, offer) else "",
    }
    return render(request, "assistance/offers/detail.html", context)


@require_safe
def provider_page(request, slug):
    """A provider: who it is, its current offers, and how fast it claims and delivers the requests it leads."""
    return render(request, "assistance/offers/provider.html", selectors.provider_profile(slug))


# ---------------------------------------------------------------------------------------------
# Managing offers: the provider's staff, and the Committee's experts on a provider's behalf


def _list(request):
    user = request.user
    filterset_class = CommitteeOfferFilterSet if user.is_reviewer else ManagedOfferFilterSet
    context, status = _filtered(request, filterset_class, selectors.managed_offers(user))
    for offer in context["page"].object_list:
        offer.edit_url = _url(user, "offer_edit", offer.pk)
        offer.withdraw_url = _url(user, "offer_withdraw", offer.pk)
        offer.confirm_url = reverse("assistance:provider_offer_confirm", args=[offer.pk])
    context.update(
        scope=_scope(user),
        new_url=_url(user, "offer_new"),
        clear_url=_url(user, "offers"),
        provider=None if user.is_reviewer else user.provider,
    )
    return render(request, "assistance/offers/manage.html", context, status=status)


def _form(request, *, data=None, initial=None, creating=False):
    choices = selectors.offer_form_choices(with_providers=creating and request.user.is_reviewer)
    return OfferForm(data, initial=initial, **choices)


def _render_form(request, form, *, offer=None, status=200):
    user = request.user
    context = {
        "form": form,
        "offer": offer,
        "scope": _scope(user),
        "action_url": _url(user, "offer_edit", offer.pk) if offer else _url(user, "offer_new"),
        "cancel_url": _url(user, "offers"),
        "by_committee": user.is_reviewer,
    }
    return render(request, "assistance/offers/form.html", context, status=status)


def _save(request, form, offer=None):
    """Create or change the offer through the services; None with their errors put on the form."""
    try:
        if offer is None:
            offer = offers.create(form.offer_data(), acting_user=request.user)
        else:
            offer = offers.update(offer, form.offer_data(), acting_user=request.user)
    except InvalidInput as exc:
        form.add_service_errors(exc.errors)
        form.add_error(None, exc.message)
        return None
    return offer


def _saved(request, offer, created):
    text = _("The offer “%(title)s” was added.") if created else _("The offer “%(title)s” was saved.")
    messages.success(request, text % {"title": offer.title})
    return redirect(_url(request.user, "offers"))


def _new(request):
    if request.method == "POST":
        form = _form(request, data=request.POST, creating=True)
        if form.is_valid():
            offer = _save(request, form)
            if offer is not None:
                return _saved(request, offer, created=True)
        return _render_form(request, form, status=400)
    return _render_form(request, _form(request, creating=True))


def _managed(request, pk):
    """An offer the user may see (else 404) and manage (else 403, the services' refusal)."""
    offer = offers.get_visible(request.user, pk)
    refusal = offers.manage_refusal(request.user, offer)
    if refusal:
        raise refusal
    return offer


def _edit(request, pk):
    offer = _managed(request, pk)
    if request.method == "POST":
        form = _form(request, data=request.POST)
        if form.is_valid():
            saved = _save(request, form, offer)
            if saved is not None:
                return _saved(request, saved, created=False)
        return _render_form(request, form, offer=offer, status=400)
    form = _form(request, initial=OfferForm.initial_from(offers.as_data(offer)))
    return _render_form(request, form, offer=offer)


def _withdraw(request, pk):
    """POST withdraws; GET asks first, saying what withdrawing does (and does not) change."""
    offer = _managed(request, pk)
    if request.method == "POST":
        offers.withdraw(offer, acting_user=request.user)
        messages.success(request, _("The offer “%(title)s” was withdrawn.") % {"title": offer.title})
        return redirect(_url(request.user, "offers"))
    context = {
        "offer": offer,
        "already": offer.status == Offer.Status.WITHDRAWN,
        **selectors.offer_withdraw_summary(offer),
        "action_url": _url(request.user, "offer_withdraw", offer.pk),
        "cancel_url": _url(request.user, "offers"),
    }
    return render(request, "assistance/confirm/withdraw_offer.html", context)


@provider_required
@require_POST
def confirm_offer(request, pk):
    """The provider's staff confirm an offer drafted for them, as it stands."""
    offer = offers.confirm(offers.get_visible(request.user, pk), acting_user=request.user)
    messages.success(request, _("The offer “%(title)s” is confirmed.") % {"title": offer.title})
    return redirect("assistance:provider_offers")


def _views(access):
    """The management views behind one role's access check (the provider's URLs, the Committee's)."""
    return {
        "offers": access(require_safe(_list)),
        "new": access(require_http_methods(["GET", "HEAD", "POST"])(_new)),
        "edit": access(require_http_methods(["GET", "HEAD", "POST"])(_edit)),
        "withdraw": access(require_http_methods(["GET", "HEAD", "POST"])(_withdraw)),
    }


_provider_views = _views(provider_required)
provider_offers = _provider_views["offers"]
provider_offer_new = _provider_views["new"]
provider_offer_edit = _provider_views["edit"]
provider_offer_withdraw = _provider_views["withdraw"]

_expert_views = _views(reviewer_required)
expert_offers = _expert_views["offers"]
expert_offer_new = _expert_views["new"]
expert_offer_edit = _expert_views["edit"]
expert_offer_withdraw = _expert_views["withdraw"]
