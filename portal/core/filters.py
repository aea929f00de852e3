"""Filters shared by the apps' filtersets."""

import django_filters
from django.core.exceptions import MultipleObjectsReturned, ValidationError
from django_filters import fields as filter_fields
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from portal.core.collation import CollatedModelChoiceIterator
from portal.core.forms import StyledFormMixin, mixed


class CodeChoiceField(filter_fields.ModelChoiceField):
    """A reference object by its code, in any case: `jam`, `JAM`; `cwc`, `CWC`."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        key = self.to_field_name or "pk"
        try:
            return self.queryset.get(**{f"{key}__iexact": str(value).strip()})
        except (ValueError, TypeError, self.queryset.model.DoesNotExist, MultipleObjectsReturned):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


class _CollatedIterator(filter_fields.ModelChoiceIterator, CollatedModelChoiceIterator):
    """The options in the reader's alphabetical order (with django-filter's empty and null choices)."""


class CollatedCodeChoiceField(CodeChoiceField):
    iterator = _CollatedIterator


@extend_schema_field(OpenApiTypes.STR)
class CodeFilter(django_filters.ModelChoiceFilter):
    """Picks a reference object by its public code (a region's name, an organisation's code...)."""

    field_class = CodeChoiceField


@extend_schema_field(OpenApiTypes.STR)
class CollatedCodeFilter(CodeFilter):
    """A CodeFilter whose list of names (States...) is in the reader's alphabetical order."""

    field_class = CollatedCodeChoiceField


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.ChoiceFilter):
    """`true` or `false`, nothing else (a misspelt value is a 400, never silently ignored)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value not in ("true", "false"):
            return qs
        return qs.filter(**{self.field_name: value == "true"})


class PortalFilterSet(django_filters.FilterSet):
    """A filter set whose form renders like every page form (`templates/includes/field.html`).

    Only the widgets' classes and error state are added, never a query: the API validates its query
    parameters with the same filter sets."""

    def get_form_class(self):
        form_class = super().get_form_class()
        return mixed(StyledFormMixin, form_class)
