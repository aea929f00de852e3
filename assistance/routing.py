"""Choosing offers for a request: who may receive it, how well each offer fits, and why.

Pure functions over loaded data (`services.route` and `services.why_not` load it). A request is
matched to *offers*; each provider is matched once, through its best-scoring offer. The rules and
weights are explained in docs/architecture.md ("How a request is matched").
"""

import statistics
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from assistance.models import MANDATE_COLUMNS
from assistance.reasons import plural_reason, reason, render_parts

# The weights of the score, in one place (docs/architecture.md explains each).
W_COLUMNS = 10  # share of the requested columns the offer covers
W_AREA = 10  # the offer covers the requested area (required unless the search is widened)
W_MANDATE = 12  # the treaty organisation, for the part of the request within its treaty
W_MANDATE_1540 = 3  # resolution 1540's own bodies, for any request
W_SPECIALIST_COLUMNS = 6  # share of the offer's columns the request asks for: a specialist over a generalist
W_TYPE = 4  # the requested type of help is offered (minus as much when it is not)
W_FOCUS = 3  # an offer of one or two areas over one listing many
W_MEMBERS = 5  # a programme reserved to States like this one (its members, its region, or it by name)
W_LANGUAGE = 3  # works in the request's language (minus 2 when it does not)
W_PREFERRED = 6  # the State named the provider
W_FROM_OFFER = 10  # the State started the request from this very offer ("request this")
W_CAPACITY = 4  # share of the offer's capacity left in its period (half when not stated)
W_TURNAROUND = 3  # past claims: 3 for a claim within hours, less as the median wait grows
W_CONFIRMED = 1  # confirmed by the provider over drafted from public information


@dataclass
class Applicant:
    """What eligibility needs to know of the requesting State."""

    state_id: int
    region_id: int | None
    organization_ids: frozenset = frozenset()


@dataclass
class Context:
    """What the score needs beyond the offer: load, past turnaround and the State's wishes."""

    preferred: frozenset = frozenset()  # provider ids the State prefers
    from_offer: int | None = None
    offer_used: dict = field(default_factory=dict)  # {offer_id: requests claimed through it this period}
    claim_hours: dict = field(default_factory=dict)  # {provider_id: [hours from routed to claimed]}


@dataclass
class OfferProfile:
    """An offer with its related ids loaded as sets (no queries while scoring)."""

    offer: object
    area_ids: frozenset = frozenset()
    region_ids: frozenset = frozenset()
    organization_ids: frozenset = frozenset()
    state_ids: frozenset = frozenset()
    # Organisations whose members the offer is not for (a programme for an organisation's partners).
    excluded_organization_ids: frozenset = frozenset()

    @property
    def restricted(self) -> bool:
        return bool(self.region_ids or self.organization_ids or self.state_ids)


@dataclass
class Candidate:
    """An offer's score and its reasons, language-neutral (`assistance.reasons.reason_texts` shows them)."""

    provider: object
    offer: object = None
    score: float = 0.0
    reasons: list = field(default_factory=list)


def _plural_message_ids():
    """Never called: makemessages reads plural message ids only from ngettext calls, so this marks those
    of the plural reasons (stored as message ids, rendered with ngettext by assistance.reasons)."""
    return [ngettext("focused offer (one area)", "focused offer (%(n)s areas)", 1)]


def max_matches(widen=False) -> int:
    count = settings.ASSISTANCE_MAX_MATCHES
    return count * 2 if widen else count


def eligibility_refusal(profile: OfferProfile, applicant: Applicant) -> str | None:
    """Why the State may not receive this offer (a hard rule), or None. Membership, not the UN group,
    decides for a regional organisation's programme, and for one reserved to its partners."""
    excluded = applicant.organization_ids & profile.excluded_organization_ids
    if excluded:
        names = getattr(profile.offer, "exclusion_names", None) or _("%(n)s organisation(s)") % {"n": len(excluded)}
        return _("the offer is for States outside %(who)s") % {"who": names}
    if not profile.restricted:
        return None
    if applicant.state_id in profile.state_ids:
        return None
    if applicant.region_id in profile.region_ids:
        return None
    if applicant.organization_ids & profile.organization_ids:
        return None
    who = render_parts(_eligibility_words(profile))
    return _("the offer is reserved to other States (%(who)s)") % {"who": who}


def _eligibility_words(profile: OfferProfile) -> list:
    """Who the offer is for, in parts (reasons, or lists of codes): the names `services.offer_profiles`
    found, else counts."""
    parts = getattr(profile.offer, "eligibility_parts", None)
    if not parts:
        parts = []
        if profile.organization_ids:
            parts.append(reason(gettext_noop("members of %(n)s organisation(s)"), n=len(profile.organization_ids)))
        if profile.region_ids:
            parts.append(reason(gettext_noop("%(n)s UN regional group(s)"), n=len(profile.region_ids)))
        if profile.state_ids:
            parts.append(reason(gettext_noop("%(n)s named State(s)"), n=len(profile.state_ids)))
    return list(parts)


def fit_refusal(request, profile: OfferProfile, *, widen=False) -> str | None:
    """Why the offer does not fit the request's columns or area (hard rules), or None."""
    offer = profile.offer
    if not set(request.columns) & set(offer.columns):
        return _("the offer covers %(has)s, not %(wanted)s") % {
            "has": ", ".join(offer.columns) or "-",
            "wanted": ", ".join(request.columns),
        }
    if not widen and request.area_id not in profile.area_ids:
        return _("the offer does not cover %(area)s") % {"area": request.area.label if request.area else "-"}
    return None


def score_offer(request, profile: OfferProfile, applicant: Applicant, context: Context) -> Candidate:
    """The score of an offer that passed the hard rules, with a reason for every part of it."""
    offer = profile.offer
    candidate = Candidate(offer.provider, offer)
    reasons = candidate.reasons

    def add(points, reason):
        candidate.score += points
        reasons.append(reason)

    wanted = set(request.columns)
    covered = wanted & set(offer.columns)
    # Each reason is stored as its English message id and parameters (assistance/reasons.py): codes,
    # not labels, so that every reader sees it in their own language.
    add(W_COLUMNS * len(covered) / len(wanted), reason(gettext_noop("covers %(cols)s"), cols=sorted(covered)))
    if request.area_id in profile.area_ids:
        add(W_AREA, reason(gettext_noop("offers %(area)s"), area=request.area.code))
    else:
        add(0, reason(gettext_noop("wider search: area not in the offer")))
    if offer.mandate:
        mandated = wanted & MANDATE_COLUMNS[offer.mandate]
        if offer.mandate == "1540":
            add(W_MANDATE_1540, reason(gettext_noop("holds the resolution 1540 mandate")))
        elif mandated:
            mandate = reason(gettext_noop("treaty mandate: the %(treaty)s"), treaty=offer.mandate)
            add(W_MANDATE * len(mandated) / len(wanted), mandate)
    add(
        W_SPECIALIST_COLUMNS * len(covered) / len(offer.columns),
        reason(gettext_noop("specialist in %(cols)s"), cols=list(offer.columns))
        if len(offer.columns) <= len(covered)
        else reason(gettext_noop("also covers %(others)s"), others=sorted(set(offer.columns) - covered)),
    )
    if request.assistance_type:
        if request.assistance_type in offer.assistance_types:
            add(W_TYPE, reason(gettext_noop("offers %(type)s"), type=request.assistance_type))
        else:
            add(-W_TYPE, reason(gettext_noop("does not offer %(type)s"), type=request.assistance_type))
    areas = len(profile.area_ids) or 1
    if areas <= 2:
        add(W_FOCUS, plural_reason("focused offer (one area)", "focused offer (%(n)s areas)", areas))
    else:
        add(W_FOCUS * 2 / areas, reason(gettext_noop("broad offer (%(n)s areas)"), n=areas))
    if profile.restricted:
        add(
            W_MEMBERS,
            reason(gettext_noop("a programme for States like this one (%(who)s)"), who=_eligibility_words(profile)),
        )
    if request.language in offer.languages:
        add(W_LANGUAGE, reason(gettext_noop("works in %(lang)s"), lang=request.language))
    else:
        add(-2, reason(gettext_noop("does not list %(lang)s"), lang=request.language))
    if offer.provider_id in context.preferred:
        add(W_PREFERRED, reason(gettext_noop("preferred by the State")))
    if context.from_offer == offer.pk:
        add(W_FROM_OFFER, reason(gettext_noop("the State asked for this offer")))
    if offer.capacity is None:
        add(W_CAPACITY / 2, reason(gettext_noop("capacity not stated")))
    else:
        used = context.offer_used.get(offer.pk, 0)
        left = max(0, offer.capacity - used)
        add(
            W_CAPACITY * left / max(offer.capacity, 1),
            reason(
                gettext_noop("%(left)s of %(cap)s requests left %(period)s"),
                left=left, cap=offer.capacity, period=offer.capacity_period,
            ),
        )  # fmt: skip
    hours = context.claim_hours.get(offer.provider_id)
    if hours:
        median = statistics.median(hours)
        add(W_TURNAROUND / (1 + median / 24), reason(gettext_noop("claims in %(h).0f h (median)"), h=float(median)))
    if offer.confirmed:
        add(W_CONFIRMED, reason(gettext_noop("offer confirmed by the provider")))
    else:
        add(0, reason(gettext_noop("unconfirmed offer, drafted from public information")))
    candidate.score = round(candidate.score, 2)
    return candidate


def evaluate(request, profiles, applicant: Applicant, context: Context, *, widen=False):
    """Every offer's outcome: (candidates ranked best first, one per provider; {offer_id: refusal})."""
    best, refused = {}, {}
    for profile in profiles:
        refusal = eligibility_refusal(profile, applicant) or fit_refusal(request, profile, widen=widen)
        if refusal:
            refused[profile.offer.pk] = refusal
            continue
        candidate = score_offer(request, profile, applicant, context)
        current = best.get(candidate.provider.pk)
        if current is None or candidate.score > current.score:
            best[candidate.provider.pk] = candidate
    ranked = sorted(best.values(), key=lambda c: (-c.score, c.provider.name, c.offer.pk))
    return ranked, refused


def rank(request, profiles, applicant: Applicant, context: Context, *, widen=False) -> list[Candidate]:
    """The offers the request is routed to: the best offer of each provider, the top few."""
    ranked, _refused = evaluate(request, profiles, applicant, context, widen=widen)
    return ranked[: max_matches(widen)]


def explain(request, provider, profiles, applicant: Applicant, context: Context, *, widen=False) -> dict:
    """Why `provider` is, or is not, among the matches: the rule that kept each offer out, or its
    score against the last one taken."""
    ranked, refused = evaluate(request, profiles, applicant, context, widen=widen)
    cut = max_matches(widen)
    taken = ranked[:cut]
    own = [p for p in profiles if p.offer.provider_id == provider.pk]
    position = next((i for i, c in enumerate(ranked) if c.provider.pk == provider.pk), None)
    candidate = ranked[position] if position is not None else None
    offers = []
    for profile in own:
        if profile.offer.pk in refused:
            offers.append({"offer": profile.offer, "refusal": refused[profile.offer.pk], "score": None, "reasons": []})
        else:
            scored = score_offer(request, profile, applicant, context)
            offers.append({"offer": profile.offer, "refusal": None, "score": scored.score, "reasons": scored.reasons})
    if not own:
        verdict = "no_offer"
    elif candidate is None:
        verdict = "ineligible"
    elif position < cut:
        verdict = "matched"
    else:
        verdict = "below_cut"
    return {
        "provider": provider,
        "verdict": verdict,
        "rank": None if position is None else position + 1,
        "cut": cut,
        "last_taken": taken[-1] if len(taken) == cut else None,
        "candidate": candidate,
        "offers": offers,
    }
