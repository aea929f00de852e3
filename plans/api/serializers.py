"""The action plans' API payloads (what is read) and inputs (what is written, checked here for types
and then by plans/services.py, the rules the pages use too)."""

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework import serializers

from plans import services
from plans.models import MAX_TEXT, Plan, PlanItem
from portal.accounts.roles import is_official_of, is_reviewer
from portal.core.api import StrictBooleanField, StrictSerializer, TextField


class PlanCellSerializer(serializers.Serializer):
    row = serializers.CharField()
    column = serializers.CharField()
    aspect = serializers.CharField()


def _today(context):
    return context.get("today") or timezone.localdate()


class PlanItemSerializer(serializers.ModelSerializer):
    """One measure of a plan; expects its request loaded (PlanViewSet's queryset)."""

    cells = PlanCellSerializer(many=True)
    request = serializers.IntegerField(
        source="request_id", allow_null=True, help_text="the assistance request started from the item, or null"
    )
    request_status = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    waiting_for_assistance = serializers.SerializerMethodField()

    class Meta:
        model = PlanItem
        fields = [
            "id", "key", "measure", "cells", "lead_agency", "target_date", "status", "assistance_needed", "request",
            "request_status", "overdue", "waiting_for_assistance",
        ]  # fmt: skip
        extra_kwargs = {"key": {"help_text": "the same measure keeps its key from one version to the next"}}

    def get_request_status(self, obj) -> str | None:
        """The linked assistance request's status, or null (also when the reader may not see the request)."""
        return obj.request.status if self._request_shown(obj) else None

    def to_representation(self, obj):
        data = super().to_representation(obj)
        if not self._request_shown(obj):
            data["request"] = None  # a request the State has not published stays private on a public plan
        return data

    def _request_shown(self, obj) -> bool:
        """The reader may see the linked request: its State's officials and the Committee always, anyone
        once the State has published it (decided without a query; provider staff as the public)."""
        if not obj.request_id:
            return False
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if is_reviewer(user) or is_official_of(user, obj.request.state_id):
            return True
        return obj.request.consent_to_publish and obj.request.status != "draft"

    def get_overdue(self, obj) -> bool:
        """Its target date has passed and it is not done."""
        return bool(services.progress([obj], today=_today(self.context))["overdue"])

    def get_waiting_for_assistance(self, obj) -> bool:
        """Assistance is needed and has not been delivered yet."""
        return services.waiting_for_assistance(obj)


class PlanProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="items")
    done = serializers.IntegerField(help_text="items done")
    percent_done = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="items past their target date and not done")
    waiting_for_assistance = serializers.IntegerField(help_text="items that need assistance not delivered yet")


class PlanSerializer(serializers.ModelSerializer):
    """One version of a State's action plan with its items; expects PlanViewSet's prefetching."""

    state = serializers.CharField(source="state.iso3", help_text="ISO alpha-3")
    based_on = serializers.IntegerField(
        source="based_on_id", allow_null=True, help_text="the published version this one was copied from, or null"
    )
    document = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    items = PlanItemSerializer(many=True, source="items.all")

    class Meta:
        model = Plan
        fields = [
            "id", "state", "version", "status", "title", "summary", "period_start", "period_end", "language",
            "document", "submitted_at", "published_at", "based_on", "progress", "items",
        ]  # fmt: skip

    def get_document(self, obj) -> str | None:
        """Where to download the plan kept as a document, or null."""
        if not obj.document:
            return None
        try:
            return reverse("plans:document", args=[obj.pk])
        except NoReverseMatch:
            return None

    @staticmethod
    def progress_of(items, today) -> dict:
        figures = services.progress(items, today=today)
        return {
            "total": figures["total"],
            "done": figures["done"],
            "percent_done": figures["percent_done"],
            "overdue": len(figures["overdue"]),
            "waiting_for_assistance": len(figures["waiting_for_assistance"]),
        }

    def get_progress(self, obj) -> PlanProgressSerializer:
        """Counts of the items: done, overdue, waiting for assistance."""
        return self.progress_of(obj.items.all(), _today(self.context))


class StartedRequestSerializer(serializers.Serializer):
    request = serializers.IntegerField(help_text="id of the assistance request started from the item")


# ---------------------------------------------------------------------------------------------
# Inputs


class PlanInput(StrictSerializer):
    """A plan version's own fields. On PATCH, the fields given are merged over the draft's current values."""

    state = TextField(required=False, max_length=3, help_text="ISO alpha-3 (on POST); defaults to the official's State")
    title = TextField(required=False, allow_blank=True, max_length=200)
    summary = TextField(max_length=MAX_TEXT)
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True, help_text="not before period_start")
    language = serializers.ChoiceField(choices=services.LANGUAGES, required=False)


class PlanCellInput(StrictSerializer):
    row = TextField(max_length=60, help_text="a row code of the matrix, e.g. OP2.MANUFACTURE")
    column = TextField(max_length=20, help_text="a weapon column, e.g. CW")
    aspect = TextField(required=False, max_length=20, help_text="framework (the default) or enforcement")


class PlanItemInput(StrictSerializer):
    """A plan item. On PATCH, the fields given are merged over the item's current values."""

    measure = TextField(max_length=MAX_TEXT)
    cells = PlanCellInput(many=True, required=False, max_length=services.MAX_CELLS, help_text="cells of the matrices")
    lead_agency = TextField(required=False, allow_blank=True, max_length=200)
    target_date = serializers.DateField(required=False, allow_null=True)
    status = TextField(required=False, max_length=20, help_text="planned (the default), under_way, done or stalled")
    assistance_needed = StrictBooleanField(required=False)
