from rest_framework import serializers

from assistance import services
from assistance.models import MAX_TEXT, AssistanceRequest, AssistanceType, Column, Provider
from assistance.reference import WORLDWIDE
from matrices.models import Aspect, CellColumn
from portal.core.api import StrictBooleanField, StrictIntegerField, StrictSerializer, TextField


class ProviderSerializer(serializers.ModelSerializer):
    areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    regions = serializers.SerializerMethodField()

    class Meta:
        model = Provider
        fields = ["slug", "name", "kind", "columns", "areas", "regions", "languages", "capacity", "note", "confirmed"]
        extra_kwargs = {"confirmed": {"help_text": "false: an unconfirmed profile, not yet confirmed by the provider"}}

    def get_regions(self, obj) -> list[str]:
        """UN regional groups served, or ["ALL"] for a provider that works worldwide."""
        return [WORLDWIDE] if obj.serves_all_regions else [region.name for region in obj.regions.all()]


class NeedCellSerializer(serializers.Serializer):
    matrix = serializers.IntegerField(source="matrix_id")
    row = serializers.CharField(source="row_code")
    column = serializers.CharField()
    aspect = serializers.CharField()


class NeedSerializer(serializers.Serializer):
    description = serializers.CharField()
    cells = NeedCellSerializer(many=True, source="cells.all")


class MatchSerializer(serializers.Serializer):
    provider = serializers.CharField(source="provider.slug")
    provider_name = serializers.CharField(source="provider.name")
    provider_confirmed = serializers.BooleanField(
        source="provider.confirmed", help_text="false: the provider's profile is not yet confirmed by the provider"
    )
    score = serializers.FloatField(allow_null=True, help_text="null for readers outside the request")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="empty for readers outside the request")
    assigned_by_expert = serializers.BooleanField()
    supporting = serializers.SerializerMethodField()

    def get_supporting(self, obj) -> bool:
        return obj.supporting_since is not None


class ProgressSerializer(serializers.Serializer):
    provider = serializers.CharField(source="provider.slug")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class RequestSerializer(serializers.ModelSerializer):
    """An assistance request as the contract gives it; expects the prefetching of RequestViewSet."""

    state = serializers.CharField(source="state.iso3")
    area = serializers.CharField(source="area.code", allow_null=True, help_text="null in a draft that has no area yet")
    needs = NeedSerializer(many=True, source="needs.all")
    preferred_providers = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    approached_providers = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    matches = MatchSerializer(many=True, source="matches.all")
    claimed_by = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = AssistanceRequest
        fields = [
            "id", "state", "status", "area", "columns", "assistance_type", "title", "needs", "beneficiary_agencies",
            "timeline", "language", "preferred_providers", "approached_providers", "contact_person",
            "consent_to_publish", "matches", "claimed_by", "delivery_summary", "feedback_rating",
            "feedback_comment", "created_at", "submitted_at", "routed_at", "claimed_at", "delivered_at", "closed_at",
            "withdrawn_at", "escalated_at",
        ]  # fmt: skip

    def to_representation(self, obj):
        """Readers outside the request (the public, other States, providers it was not routed to) see
        what the public page shows: the private fields come blank, match scores and reasons too."""
        data = super().to_representation(obj)
        if not services.is_party(self.context["request"].user, obj):
            data.update(PRIVATE_REQUEST_FIELDS)
            for match in data["matches"]:
                match.update(score=None, reasons=[])
            if "progress" in data:
                data["progress"] = []
        return data


# What readers outside a request get instead of its private fields (docs/architecture.md: Assistance).
PRIVATE_REQUEST_FIELDS = {
    "preferred_providers": [],
    "approached_providers": [],
    "contact_person": "",
    "feedback_rating": None,
    "feedback_comment": "",
    "created_at": None,
    "escalated_at": None,
}


class RequestDetailSerializer(RequestSerializer):
    progress = ProgressSerializer(many=True, source="progress.all")

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "progress"]


class ActiveProviderSerializer(serializers.Serializer):
    slug = serializers.CharField()
    provider = serializers.CharField(help_text="the provider's name")
    areas = serializers.ListField(child=serializers.CharField(), help_text="the areas it leads or supports")


class NeedCellInput(StrictSerializer):
    matrix = StrictIntegerField(help_text="id of a matrix version of the State")
    row = TextField(max_length=60)
    column = serializers.ChoiceField(choices=CellColumn.choices)
    aspect = serializers.ChoiceField(choices=Aspect.choices, default=Aspect.FRAMEWORK)


class NeedInput(StrictSerializer):
    description = TextField(max_length=MAX_TEXT)
    cells = NeedCellInput(many=True, required=False, max_length=100)


class RequestInput(StrictSerializer):
    """The assistance template. Checked here for types, then by the services (the web form's rules)."""

    state = TextField(help_text="ISO alpha-3; defaults to the official's State", required=False, max_length=3)
    area = TextField(
        help_text="an area code from the reference data, e.g. LEGISLATION; required to submit",
        required=False, allow_blank=True, allow_null=True, max_length=40,
    )  # fmt: skip
    columns = serializers.ListField(
        child=serializers.ChoiceField(choices=Column.choices), help_text="required to submit", required=False,
        max_length=len(Column.choices),
    )  # fmt: skip
    assistance_type = serializers.ChoiceField(
        choices=AssistanceType.choices, help_text="required to submit", required=False, allow_blank=True
    )
    title = TextField(max_length=200)
    needs = NeedInput(many=True, help_text="at least one to submit", required=False, max_length=services.MAX_NEEDS)
    beneficiary_agencies = TextField(required=False, allow_blank=True, max_length=MAX_TEXT)
    timeline = TextField(required=False, allow_blank=True, max_length=200)
    language = serializers.ChoiceField(choices=services.LANGUAGES, required=False)
    preferred_providers = serializers.ListField(child=TextField(max_length=60), required=False, max_length=50)
    approached_providers = serializers.ListField(child=TextField(max_length=60), required=False, max_length=50)
    contact_person = TextField(required=False, allow_blank=True, max_length=200)
    consent_to_publish = StrictBooleanField(required=False, help_text="a JSON boolean; false unless given")


class DeliverInput(StrictSerializer):
    summary = TextField(max_length=MAX_TEXT)


class FeedbackInput(StrictSerializer):
    rating = StrictIntegerField(min_value=1, max_value=5)
    comment = TextField(required=False, allow_blank=True, max_length=MAX_TEXT)


class ProgressInput(StrictSerializer):
    note = TextField(max_length=MAX_TEXT)


class AssignInput(StrictSerializer):
    provider = TextField(help_text="provider slug", max_length=60)
