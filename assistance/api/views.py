from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from assistance import metrics, offers, selectors, services
from assistance.api import serializers as s
from assistance.filtersets import OfferFilterSet, ProviderFilterSet, RequestFilterSet, TurnaroundFilterSet
from assistance.models import AssistanceRequest, Match, Offer, Provider
from portal.core.api import StrictQueryMixin, lookup_id
from portal.core.idempotency import idempotent
from states.models import State


@extend_schema_view(list=extend_schema(summary="List assistance providers"))
class ProviderViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Organisations and States that offer assistance, with the profile requests are matched on. Public."""

    serializer_class = s.ProviderSerializer
    filterset_class = ProviderFilterSet
    lookup_field = "slug"

    def get_queryset(self):
        # Read per request: which offers are current depends on the day.
        current = Offer.objects.current().only("id", "provider_id").order_by("id")
        return (
            Provider.objects.filter(active=True)
            .prefetch_related("areas", "regions", Prefetch("offers", queryset=current, to_attr="current_offers"))
            .order_by("name")
        )


def _plan_items(user):
    """The action plan items a request was started from, in the plan versions `user` may see, the latest
    version first. The plans app sits above this one: its models are reached through the relation."""
    item_model = AssistanceRequest._meta.get_field("plan_items").related_model
    plan_model = item_model._meta.get_field("plan").related_model
    items = item_model.objects.filter(plan__in=plan_model.objects.visible_to(user)).order_by("-plan__version", "-id")
    return Prefetch("plan_items", queryset=items.only("id", "request_id"), to_attr="visible_plan_items")


@extend_schema_view(
    list=extend_schema(
        summary="Assistance requests you may see (providers: by default those routed to them)",
        description=(
            "Newest first. The public sees the requests published with the State's consent; a State official "
            "their State's and the published ones; the Committee's experts and administrators every request.\n\n"
            "Provider staff see by default the requests routed to their organisation: those awaiting a claim "
            "and those it leads or supports (`scope=routed`); `scope=all` lists every request they may see "
            "(also the ones routed to them that another provider claimed, and the published ones)."
        ),
    ),
    retrieve=extend_schema(summary="One request with its needs, matches and timestamps"),
    create=extend_schema(
        summary="Start a draft request (State official)",
        request=s.RequestInput,
        responses={201: s.RequestDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a draft request (State official)", request=s.RequestInput, responses=s.RequestDetailSerializer
    ),
)
class RequestViewSet(
    StrictQueryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    filterset_class = RequestFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            AssistanceRequest.objects.visible_to(self.request.user)
            .select_related("state", "area", "claimed_by")
            .prefetch_related(
                "needs__cells",
                Prefetch("matches", queryset=Match.objects.select_related("provider")),
                "matches__offer",
                "preferred_providers",
                "approached_providers",
                "progress__provider",
                _plan_items(self.request.user),
            )
            .order_by("-created_at", "-id")
        )

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_serializer_class(self):
        return s.RequestDetailSerializer if self.action == "retrieve" else s.RequestSerializer

    def get_object(self):
        pk = lookup_id(self.kwargs["pk"], _("No assistance request %(id)s.") % {"id": self.kwargs["pk"]})
        # Reading or editing a request needs its needs, matches and progress; an action needs only the
        # row (a losing claim answers 409 without loading all that); its answer is read afresh.
        full = self.action in ("retrieve", "partial_update")
        return services.get_visible(self.request.user, pk, self.get_queryset() if full else None)

    def _answer(self, request_obj, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=request_obj.pk)
        return Response(s.RequestDetailSerializer(fresh, context={"request": self.request}).data, status=code)

    @idempotent
    def create(self, request, *args, **kwargs):
        data = s.RequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        template = dict(data.validated_data)
        code = template.pop("state", "") or (request.user.state.iso3 if request.user.state_id else "")
        state = State.objects.filter(iso3__iexact=code).first()
        if state is None:
            raise ValidationError({"state": [_("Give the State's ISO alpha-3 code.")]})
        created = services.create(state, template, acting_user=request.user)
        return self._answer(created, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise ValidationError({"detail": [_("Use PATCH.")]})
        data = s.RequestInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        current = self.get_object()
        changes = dict(data.validated_data)
        if changes.pop("state", current.state.iso3).upper() != current.state.iso3:
            raise ValidationError({"state": [_("A request stays with its State.")]})
        return self._answer(
            services.update(current, {**selectors.request_template(current), **changes}, acting_user=request.user)
        )

    def _act(self, request, func, **kwargs):
        return self._answer(func(self.get_object(), acting_user=request.user, **kwargs))

    @extend_schema(
        summary="Submit the completed template for routing", request=None, responses=s.RequestDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._act(request, services.submit)

    @extend_schema(
        summary="Withdraw the request (State official, before delivery)",
        request=None,
        responses=s.RequestDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(request, services.withdraw)

    @extend_schema(
        summary="Claim the lead (provider the request was routed to); 409 already-claimed for the others",
        request=None,
        responses=s.RequestDetailSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def claim(self, request, pk=None):
        return self._act(request, services.claim)

    @extend_schema(
        summary="Give the claim back: the request returns to routed", request=None, responses=s.RequestDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        return self._act(request, services.release)

    @extend_schema(
        summary="Join a claimed request as a supporting provider", request=None, responses=s.RequestDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def join(self, request, pk=None):
        request_obj = self.get_object()
        services.join(request_obj, acting_user=request.user)
        return self._answer(request_obj)

    @extend_schema(
        summary="Report progress (lead or supporting provider)",
        request=s.ProgressInput,
        responses=s.RequestDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        data = s.ProgressInput(data=request.data)
        data.is_valid(raise_exception=True)
        request_obj = self.get_object()
        services.report_progress(
            request_obj,
            note=data.validated_data["note"],
            language=data.validated_data.get("language"),
            acting_user=request.user,
        )
        return self._answer(request_obj)

    @extend_schema(
        summary="Mark delivered with a summary (the lead provider)",
        request=s.DeliverInput,
        responses=s.RequestDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        data = s.DeliverInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(request, services.deliver, summary=data.validated_data["summary"])

    @extend_schema(
        summary="Rate the assistance delivered (State official); closes the request",
        request=s.FeedbackInput,
        responses=s.RequestDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        data = s.FeedbackInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(
            request, services.give_feedback, rating=data.validated_data["rating"],
            comment=data.validated_data.get("comment", ""),
        )  # fmt: skip

    @extend_schema(
        summary="Route again, wider (expert): accepted, routed in the background",
        request=None,
        responses={202: s.RequestDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def reroute(self, request, pk=None):
        request_obj = self.get_object()
        services.reroute(request_obj, acting_user=request.user)
        return self._answer(request_obj, status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Match a provider by hand (expert)", request=s.AssignInput, responses=s.RequestDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        data = s.AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        provider = Provider.objects.filter(slug=data.validated_data["provider"]).first()
        if provider is None:
            raise ValidationError({"provider": [_("Unknown provider.")]})
        request_obj = self.get_object()
        services.assign_provider(request_obj, provider, acting_user=request.user)
        return self._answer(request_obj)

    @extend_schema(summary="Other providers active in the same State", responses=s.ActiveProviderSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="active-providers", filterset_class=None, pagination_class=None)
    def active_providers(self, request, pk=None):
        request_obj = self.get_object()
        return Response(services.active_providers_in_state(request_obj.state_id, exclude_request=request_obj.pk))


@extend_schema_view(
    list=extend_schema(
        summary="Assistance offers you may see",
        description=(
            "What providers offer: the unit requests are matched on. The public sees the published offers valid "
            "today; provider staff also all of their own (drafts and withdrawn ones); the Committee's experts and "
            "administrators every offer. `eligible=<ISO3>` keeps the offers that State may receive. An offer with "
            "`confirmed` false was drafted from public information and not yet confirmed by its provider."
        ),
    ),
    retrieve=extend_schema(summary="One assistance offer"),
    create=extend_schema(
        summary="Publish an offer (provider staff; an expert or administrator on behalf of a provider)",
        description=(
            "Provider staff offer for their own organisation (the offer is confirmed); an expert or administrator "
            "names the provider with `provider` (the offer stays unconfirmed until the provider confirms or edits "
            "it). Published unless `status` is `draft`."
        ),
        request=s.OfferInput,
        responses={201: s.OfferSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    ),
    partial_update=extend_schema(
        summary="Change an offer (its provider's staff, an expert or administrator)",
        description=(
            "The fields given are merged over the offer's current values. An edit by the provider's staff "
            "confirms the offer; an edit by anyone else leaves it unconfirmed. A withdrawn offer changes only "
            "when it is published again (`status`: `published`)."
        ),
        request=s.OfferInput,
        responses=s.OfferSerializer,
    ),
)
class OfferViewSet(
    StrictQueryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    """What providers offer to States: areas, weapon columns, types of assistance, languages, who may
    receive it, capacity and validity. Read by everyone; changed by the provider's staff, or by the
    Committee's experts on a provider's behalf."""

    serializer_class = s.OfferSerializer
    filterset_class = OfferFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Offer.objects.visible_to(self.request.user)
            .select_related("provider")
            .prefetch_related("areas", "eligible_regions", "eligible_organizations", "eligible_states")
            .order_by("provider__name", "title", "id")
        )

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_object(self):
        pk = lookup_id(self.kwargs["pk"], _("No assistance offer %(id)s.") % {"id": self.kwargs["pk"]})
        return offers.get_visible(self.request.user, pk)

    def _answer(self, offer, code=status.HTTP_200_OK):
        fresh = offers.get_visible(self.request.user, offer.pk)
        return Response(s.OfferSerializer(fresh, context={"request": self.request}).data, status=code)

    @idempotent
    def create(self, request, *args, **kwargs):
        data = s.OfferInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(offers.create(dict(data.validated_data), acting_user=request.user), status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise ValidationError({"detail": [_("Use PATCH.")]})
        data = s.OfferInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        current = self.get_object()
        return self._answer(offers.update(current, dict(data.validated_data), acting_user=request.user))

    @extend_schema(
        summary="Withdraw the offer: no new request is matched to it (its provider's staff, an expert)",
        request=None,
        responses=s.OfferSerializer,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._answer(offers.withdraw(self.get_object(), acting_user=request.user))

    @extend_schema(
        summary="Confirm an offer drafted on the provider's behalf, as it stands (its provider's staff)",
        request=None,
        responses=s.OfferSerializer,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._answer(offers.confirm(self.get_object(), acting_user=request.user))


class TurnaroundView(StrictQueryMixin, APIView):
    """Time to route, claim and deliver: median and 90th percentile, by provider, area, region and regime."""

    query_parameters = {None: list(TurnaroundFilterSet.base_filters)}

    @extend_schema(
        summary="Turnaround figures (public aggregates)",
        parameters=[
            OpenApiParameter(name, str, required=False)
            for name in ("provider", "area", "region", "regime", "since", "until")
        ],
        responses={200: dict},
    )
    def get(self, request):
        if not request.query_params:
            return Response(metrics.cached_figures())
        form = TurnaroundFilterSet(request.query_params, queryset=AssistanceRequest.objects.none()).form
        if not form.is_valid():
            raise ValidationError(form.errors)
        return Response(metrics.turnaround(**form.cleaned_data))
