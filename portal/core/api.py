"""What every API endpoint shares: a strict boundary and one error format.

- Bodies are JSON only, parsed by `portal.core.parsers.StrictJSONParser`: bounded in size (413
  beyond) and depth, and no control character (line breaks and tab aside) or lone surrogate in any
  key or string, wherever it is.
- Every view inherits `StrictQueryMixin`: a query parameter the operation does not take is a 400
  `unknown-parameter`, a malformed paging value a 400 `invalid-parameter`, on every endpoint alike.
- Serializers that read input derive from `StrictSerializer` and use the strict fields below: a
  boolean is a JSON boolean, an integer a JSON integer within its column, text a JSON string; an
  unknown field is refused, not ignored.
- Every error is `{"code", "detail"}`, plus `errors` (field -> messages, nested by field name and
  item index) when the input was refused field by field.
"""

import re
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.validators import RegexValidator
from django.http import Http404
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.core.exceptions import DomainError
from portal.core.text import TEXT_PATTERN

# The largest id a client may send: the range of the 64-bit primary keys.
MAX_ID = 2**63 - 1


class PortalAPIError(exceptions.APIException):
    """A domain error with a stable code, answered as {"code": ..., "detail": ...}."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    default_detail = gettext_lazy("The request is not valid.")


class UnknownParameter(PortalAPIError):
    default_code = "unknown-parameter"


class InvalidParameter(PortalAPIError):
    default_code = "invalid-parameter"


# ---------------------------------------------------------------------------------------------
# Input fields and serializers


class TextField(serializers.CharField):
    """Text as a JSON string (a number is not text here), without control characters."""

    default_error_messages = {
        "invalid": gettext_lazy("Not a valid string."),
        "control": gettext_lazy("Control characters are not allowed (line breaks and tab are)."),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(TEXT_PATTERN, message=self.error_messages["control"], code="control"))

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean: `"false"`, `0` or `"no"` are refused, never read as true or false."""

    default_error_messages = {"invalid": gettext_lazy("Must be true or false (a JSON boolean).")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer (not a string, a float or a boolean), within the range of its column."""

    default_error_messages = {"invalid": gettext_lazy("Must be an integer.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictInputMixin:
    """Refuses body fields the serializer does not know (a misspelt field is not ignored)."""

    default_error_messages = {"unknown": gettext_lazy("Unknown field.")}

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            # Read-only fields are ignored as they are documented (a client may send back what it read).
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [self.error_messages["unknown"]] for name in unknown}, code="unknown-field"
                )
        return super().to_internal_value(data)


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    """An input serializer with strict fields: see the module's docstring."""


# ---------------------------------------------------------------------------------------------
# Errors


def _errors(detail):
    """DRF's error detail in the shape the services use: {field: [messages] | {index: {...}}}."""
    if isinstance(detail, Mapping):
        return {str(key): _errors(value) for key, value in detail.items()}
    if isinstance(detail, list) and any(isinstance(item, Mapping | list) for item in detail):
        # One entry per item of a list field: keep only the items that have errors, by index.
        return {str(index): _errors(item) for index, item in enumerate(detail) if item}
    if isinstance(detail, list):
        return [force_str(item) for item in detail]
    return [force_str(detail)]


def _flatten(detail):
    """A readable one-line message from DRF's nested error detail."""
    if isinstance(detail, dict):
        parts = []
        for key, value in detail.items():
            message = _flatten(value)
            parts.append(message if key in ("non_field_errors", "detail") else f"{key}: {message}")
        return "; ".join(parts)
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail if item)
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
    if isinstance(exc, exceptions.ValidationError):
        body["errors"] = _errors(exc.detail if isinstance(exc.detail, Mapping) else {"non_field_errors": exc.detail})
    response.data = body
    return response


# ---------------------------------------------------------------------------------------------
# Query parameters and paging

# Query parameters every operation understands.
COMMON_PARAMETERS = {"format"}
PAGING_PARAMETERS = {"page", "page_size"}
MAX_PARAMETER_LENGTH = 200
_PAGE_NUMBER = re.compile(r"^[1-9][0-9]{0,8}$")


class StrictQueryMixin:
    """Every API view: refuses a query parameter its operation does not take, and control characters.

    A list takes `page`, `page_size` and its filterset's filters; other operations take what
    `query_parameters` names for their action (`{"diff": ["against"]}`, or `{None: [...]}` on a
    plain APIView).
    """

    query_parameters: dict = {}

    def allowed_query_parameters(self) -> set[str]:
        action = getattr(self, "action", None)
        allowed = set(COMMON_PARAMETERS) | set(self.query_parameters.get(action, ()))
        if action == "list":
            if getattr(self, "pagination_class", None) is not None:
                allowed |= PAGING_PARAMETERS
            filterset_class = getattr(self, "filterset_class", None)
            if filterset_class is not None:
                allowed |= set(filterset_class.base_filters)
        return allowed

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        allowed = self.allowed_query_parameters()
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise UnknownParameter(
                _("Unknown query parameter(s): %(unknown)s. Allowed: %(allowed)s.")
                % {"unknown": ", ".join(unknown), "allowed": ", ".join(sorted(allowed)) or _("none")}
            )
        # Control characters never reach a view (portal.core.middleware.ControlCharactersMiddleware).
        for name, values in request.query_params.lists():
            if any(len(value) > MAX_PARAMETER_LENGTH for value in values):
                raise InvalidParameter(
                    _("%(name)s is longer than %(n)s characters.") % {"name": name, "n": MAX_PARAMETER_LENGTH}
                )
        # A filter with a list of values (a status, a column, true or false) given empty is a mistake,
        # not "any": the schema offers no empty value, and a silent "any" would return everything.
        filterset_class = getattr(self, "filterset_class", None)
        if getattr(self, "action", None) == "list" and filterset_class is not None:
            import django_filters

            for name, value in request.query_params.items():
                choice = isinstance(filterset_class.base_filters.get(name), django_filters.ChoiceFilter)
                if choice and not value.strip():
                    raise InvalidParameter(
                        _("%(name)s is empty: give one of its values, or leave it out.") % {"name": name}
                    )


_ID = re.compile(r"^[0-9]{1,18}$")


def lookup_id(value, message) -> int:
    """The id in a URL as a number the database can hold, else 404 with `message`."""
    if not _ID.match(str(value)):
        raise exceptions.NotFound(message)
    return int(value)


class StablePageNumberPagination(PageNumberPagination):
    """Page numbers with a client-chosen page size; list views must order their queryset."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        if hasattr(queryset, "ordered") and not queryset.ordered:
            raise RuntimeError(f"{view.__class__.__name__} paginates an unordered queryset")
        page = request.query_params.get(self.page_query_param)
        if page is not None and page != "last" and not _PAGE_NUMBER.match(page):
            raise InvalidParameter(_("page must be a page number from 1 (or last)."))
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not _PAGE_NUMBER.match(raw) or int(raw) > self.max_page_size:
            raise InvalidParameter(_("page_size must be a number from 1 to %(max)s.") % {"max": self.max_page_size})
        return int(raw)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )
