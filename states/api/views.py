from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import NotFound

from portal.core.api import StrictQueryMixin
from states.api.serializers import StateDetailSerializer, StateSerializer
from states.filtersets import StateFilterSet
from states.models import State


@extend_schema_view(
    list=extend_schema(summary="List UN Member States"),
    retrieve=extend_schema(
        summary="One State by ISO alpha-3 code",
        parameters=[OpenApiParameter("iso3", str, OpenApiParameter.PATH, description="ISO 3166 alpha-3, e.g. JAM")],
    ),
)
class StateViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """The 193 UN Member States with their region, organisations and treaty status. Public."""

    queryset = State.objects.with_public_profile().order_by("name")
    filterset_class = StateFilterSet
    lookup_field = "iso3"
    lookup_value_regex = "[A-Za-z]{3}"

    def get_serializer_class(self):
        return StateDetailSerializer if self.action == "retrieve" else StateSerializer

    def get_object(self):
        iso3 = self.kwargs["iso3"].upper()
        state = self.get_queryset().filter(iso3=iso3).first()
        if state is None:
            raise NotFound(_("No UN Member State has the ISO alpha-3 code %(code)s.") % {"code": iso3})
        return state
