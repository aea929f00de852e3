"""The action plans' API: `/api/v1/plans/`. Reads go through `Plan.objects.visible_to`, every write
through plans/services.py (which decides who may do what and answers DomainErrors)."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from plans import services
from plans.api import serializers as s
from plans.filtersets import PlanFilterSet
from plans.models import Plan, PlanItem
from portal.core.api import StrictQueryMixin, lookup_id
from portal.core.exceptions import NotVisible
from portal.core.idempotency import idempotent
from states.models import State

IDEMPOTENCY_KEY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)
ITEM_ID = OpenApiParameter("item_id", int, OpenApiParameter.PATH, description="the item's id")
READS = ("list", "retrieve", "items")


@extend_schema_view(
    list=extend_schema(
        summary="National implementation action plans you may see",
        description=(
            "Every version, by State then newest first. The public and other States see the published versions; "
            "a State's officials also their State's drafts and the versions shared with the Committee; the "
            "Committee's experts and administrators every version."
        ),
    ),
    retrieve=extend_schema(summary="One version of a plan with its items and progress"),
    create=extend_schema(
        summary="Start a new draft version (the State's officials)",
        description=(
            "Copied from the State's latest published version when there is one (its items keep their keys). "
            "One version at a time may be a draft or shared with the Committee: 409 otherwise."
        ),
        request=s.PlanInput,
        responses={201: s.PlanSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
    partial_update=extend_schema(
        summary="Change a draft (the State's officials); 409 once shared or published",
        request=s.PlanInput,
        responses=s.PlanSerializer,
    ),
)
class PlanViewSet(
    StrictQueryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    """A State's national implementation action plan, version by version: drafted and shared with the
    Committee by its officials, published when the State consents; a published version never changes."""

    serializer_class = s.PlanSerializer
    filterset_class = PlanFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        items = PlanItem.objects.select_related("request").order_by("order", "id")
        return (
            Plan.objects.visible_to(self.request.user)
            .select_related("state")
            .prefetch_related(Prefetch("items", queryset=items))
            .order_by("state__name", "-version", "id")
        )

    def get_permissions(self):
        if self.action in READS:
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_object(self):
        pk = lookup_id(self.kwargs["pk"], _("No action plan %(id)s.") % {"id": self.kwargs["pk"]})
        if self.action == "retrieve":
            plan = self.get_queryset().filter(pk=pk).first()
            if plan is None:
                raise NotVisible(_("No action plan %(id)s that you may see.") % {"id": pk})
            return plan
        return services.get_visible(self.request.user, pk)

    def _item(self, plan, item_id):
        pk = lookup_id(item_id, _("No item %(id)s in this plan.") % {"id": item_id})
        item = PlanItem.objects.select_related("plan", "request").filter(plan=plan, pk=pk).first()
        if item is None:
            raise NotVisible(_("No item %(id)s in this plan.") % {"id": item_id})
        return item

    def _answer(self, plan, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=plan.pk)
        return Response(s.PlanSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def _answer_item(self, item, code=status.HTTP_200_OK):
        fresh = PlanItem.objects.select_related("request").get(pk=item.pk)
        return Response(s.PlanItemSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @idempotent
    def create(self, request, *args, **kwargs):
        data = s.PlanInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        code = fields.pop("state", "") or (request.user.state.iso3 if request.user.state_id else "")
        state = State.objects.filter(iso3__iexact=code).first() if code else None
        if state is None:
            raise ValidationError({"state": [_("Give the State's ISO alpha-3 code.")]})
        return self._answer(services.create(state, fields, acting_user=request.user), status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise ValidationError({"detail": [_("Use PATCH.")]})
        data = s.PlanInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        plan = self.get_object()
        changes = dict(data.validated_data)
        if changes.pop("state", plan.state.iso3).upper() != plan.state.iso3:
            raise ValidationError({"state": [_("A plan stays with its State.")]})
        return self._answer(services.update(plan, changes, acting_user=request.user))

    @extend_schema(
        summary="Share a draft with the Committee (the State's officials); it needs an item or a document",
        request=None,
        responses=s.PlanSerializer,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._answer(services.submit(self.get_object(), acting_user=request.user))

    @extend_schema(
        summary="Take a shared version back to draft to revise it (the State's officials)",
        request=None,
        responses=s.PlanSerializer,
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._answer(services.reopen(self.get_object(), acting_user=request.user))

    @extend_schema(
        summary="Consent to publishing a shared version (the State's officials): it is published at once",
        description="A published version is public and never changes; the next one starts as a new draft.",
        request=None,
        responses=s.PlanSerializer,
    )
    @action(detail=True, methods=["post"])
    def consent(self, request, pk=None):
        return self._answer(services.consent(self.get_object(), acting_user=request.user))

    @extend_schema(summary="The items of a plan version", responses=s.PlanItemSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def items(self, request, pk=None):
        plan = self.get_object()
        items = PlanItem.objects.filter(plan=plan).select_related("request").order_by("order", "id")
        return Response(s.PlanItemSerializer(items, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Add an item to a draft (the State's officials)",
        request=s.PlanItemInput,
        responses={201: s.PlanItemSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @items.mapping.post
    @idempotent
    def add_item(self, request, pk=None):
        data = s.PlanItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        plan = self.get_object()
        item = services.add_item(plan, dict(data.validated_data), acting_user=request.user)
        return self._answer_item(item, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an item of a draft (the State's officials)",
        description="The fields given are merged over the item's current values.",
        request=s.PlanItemInput,
        responses=s.PlanItemSerializer,
        parameters=[ITEM_ID],
    )
    @action(detail=True, methods=["patch"], url_path=r"items/(?P<item_id>[^/.]+)", url_name="item")
    def item(self, request, pk=None, item_id=None):
        data = s.PlanItemInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        item = self._item(self.get_object(), item_id)
        return self._answer_item(services.update_item(item, dict(data.validated_data), acting_user=request.user))

    @extend_schema(
        summary="Remove an item from a draft (the State's officials)",
        description="Its comments go with it; the assistance request started from it stays.",
        request=None,
        responses={204: None},
        parameters=[ITEM_ID],
    )
    @item.mapping.delete
    def delete_item(self, request, pk=None, item_id=None):
        item = self._item(self.get_object(), item_id)
        services.delete_item(item, acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Ask for assistance for an item of a draft: start its linked draft request (the State's officials)",
        description=(
            "The draft assistance request is pre-filled from the item (its measure, the weapon columns and area "
            "suggested by its cells) and linked to it both ways. 201 when started, 200 with the same request "
            "when it already was."
        ),
        request=None,
        responses={201: s.StartedRequestSerializer, 200: s.StartedRequestSerializer},
        parameters=[ITEM_ID],
    )
    @action(detail=True, methods=["post"], url_path=r"items/(?P<item_id>[^/.]+)/request", url_name="item-request")
    def start_request(self, request, pk=None, item_id=None):
        item = self._item(self.get_object(), item_id)
        started = item.request is not None and item.request.status != "withdrawn"
        linked = services.start_request(item, acting_user=request.user)
        return Response({"request": linked.pk}, status=status.HTTP_200_OK if started else status.HTTP_201_CREATED)
