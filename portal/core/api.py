"""What every API endpoint shares: error format, pagination, strict query parameters."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.core.exceptions import DomainError


class PortalAPIError(exceptions.APIException):
    """A domain error with a stable code, answered as {"code": ..., "detail": ...}."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    default_detail = _("The request is not valid.")


class UnknownParameter(PortalAPIError):
    default_code = "unknown-parameter"


def _flatten(detail):
    """A readable one-line message from DRF's nested error detail."""
    if isinstance(detail, dict):
        parts = []
        for key, value in detail.items():
            message = _flatten(value)
            parts.append(message if key in ("non_field_errors", "detail") else f"{key}: {message}")
        return "; ".join(parts)
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    return str(detail)


def exception_handler(exc, context):
    """Every API error as {"code", "detail"} (plus "errors" per field for validation errors)."""
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": exc.message}
        if getattr(exc, "errors", None):
            body["errors"] = exc.errors
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    body = {"code": code.replace("_", "-"), "detail": _flatten(exc.detail)}
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        body["errors"] = exc.detail
    response.data = body
    return response


class StablePageNumberPagination(PageNumberPagination):
    """Page numbers with a client-chosen page size; list views must order their queryset."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        if hasattr(queryset, "ordered") and not queryset.ordered:
            raise RuntimeError(f"{view.__class__.__name__} paginates an unordered queryset")
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )


# Query parameters every list understands, besides its filters.
COMMON_PARAMETERS = {"page", "page_size", "format"}


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, but a misspelt parameter is a 400 instead of being silently ignored."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        allowed = set(COMMON_PARAMETERS) | set(getattr(view, "extra_query_parameters", ()))
        if filterset_class is not None:
            allowed |= set(filterset_class.base_filters)
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise UnknownParameter(
                _("Unknown query parameter(s): %(unknown)s. Allowed: %(allowed)s.")
                % {"unknown": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
            )
        return super().filter_queryset(request, queryset, view)
