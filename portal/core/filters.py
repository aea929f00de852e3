"""Filters shared by the apps' filtersets."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


@extend_schema_field(OpenApiTypes.STR)
class CodeFilter(django_filters.ModelChoiceFilter):
    """Picks a reference object by its public code (a region's name, an organisation's code...)."""
