from rest_framework import serializers

from assistance.models import AssistanceRequest, AssistanceType, Column, Provider
from assistance.reference import WORLDWIDE


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
    claimed_by = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    contact_person = serializers.SerializerMethodField()

    class Meta:
        model = AssistanceRequest
        fields = [
            "id", "state", "status", "area", "columns", "assistance_type", "title", "needs", "beneficiary_agencies",
            "timeline", "language", "preferred_providers", "approached_providers", "contact_person",
            "consent_to_publish", "matches", "claimed_by", "delivery_summary", "feedback_rating",
            "feedback_comment", "created_at", "submitted_at", "routed_at", "claimed_at", "delivered_at", "closed_at",
            "withdrawn_at", "escalated_at",
        ]  # fmt: skip

    def get_contact_person(self, obj) -> str:
        """Shown to the State, the experts and the matched providers, never to the public."""
        user = self.context["request"].user
        if user.is_authenticated and (
            user.is_expert or user.is_portal_admin or user.state_id == obj.state_id
            or (user.provider_id and any(m.provider_id == user.provider_id for m in obj.matches.all()))
        ):  # fmt: skip
            return obj.contact_person
        return ""


class RequestDetailSerializer(RequestSerializer):
    progress = ProgressSerializer(many=True, source="progress.all")

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "progress"]


class NeedCellInput(serializers.Serializer):
    matrix = serializers.IntegerField()
    row = serializers.CharField()
    column = serializers.CharField()
    aspect = serializers.CharField(required=False)


class NeedInput(serializers.Serializer):
    description = serializers.CharField()
    cells = NeedCellInput(many=True, required=False)


class RequestInput(serializers.Serializer):
    """The assistance template. Validated by the services (the same rules as the web form)."""

    state = serializers.CharField(help_text="ISO alpha-3; defaults to the official's State", required=False)
    area = serializers.CharField(
        help_text="an area code from the reference data, e.g. LEGISLATION; required to submit", required=False
    )
    columns = serializers.ListField(
        child=serializers.ChoiceField(choices=Column.choices), help_text="required to submit", required=False
    )
    assistance_type = serializers.ChoiceField(
        choices=AssistanceType.choices, help_text="required to submit", required=False
    )
    title = serializers.CharField()
    needs = NeedInput(many=True, help_text="at least one to submit", required=False)
    beneficiary_agencies = serializers.CharField(required=False)
    timeline = serializers.CharField(required=False)
    language = serializers.CharField(required=False)
    preferred_providers = serializers.ListField(child=serializers.CharField(), required=False)
    approached_providers = serializers.ListField(child=serializers.CharField(), required=False)
    contact_person = serializers.CharField(required=False)
    consent_to_publish = serializers.BooleanField(required=False)


class DeliverInput(serializers.Serializer):
    summary = serializers.CharField()


class FeedbackInput(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True)


class ProgressInput(serializers.Serializer):
    note = serializers.CharField()


class AssignInput(serializers.Serializer):
    provider = serializers.CharField(help_text="provider slug")
