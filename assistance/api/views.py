from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from assistance.api.serializers import ProviderSerializer
from assistance.filtersets import ProviderFilterSet
from assistance.models import Provider


@extend_schema_view(list=extend_schema(summary="List assistance providers"))
class ProviderViewSet(viewsets.ReadOnlyModelViewSet):
    """Organisations and States that offer assistance, with the profile requests are matched on. Public."""

    queryset = Provider.objects.prefetch_related("areas", "regions").order_by("name")
    serializer_class = ProviderSerializer
    filterset_class = ProviderFilterSet
    lookup_field = "slug"
