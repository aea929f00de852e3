from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from states.models import State, TreatyStatus

TREATY_STATUS_SCHEMA = {
    "type": "object",
    "description": "Status per treaty code (CWC, NPT, BWC).",
    "additionalProperties": {
        "type": "object",
        "properties": {
            "status": {"type": "string", "enum": list(TreatyStatus.Status.values)},
            "note": {"type": "string"},
        },
        "required": ["status", "note"],
    },
}


class StateSerializer(serializers.ModelSerializer):
    """A State as the contract gives it; expects `State.objects.with_public_profile()`."""

    region = serializers.CharField(source="region.name")
    organizations = serializers.SerializerMethodField()
    treaties = serializers.SerializerMethodField()

    class Meta:
        model = State
        fields = ["iso3", "iso2", "m49", "name", "official_name", "region", "organizations", "treaties"]

    def get_organizations(self, obj) -> list[str]:
        """Codes of the regional organisations the State is a member or associate member of."""
        return [membership.organization.code for membership in obj.current_memberships]

    @extend_schema_field(TREATY_STATUS_SCHEMA)
    def get_treaties(self, obj):
        return {
            status.treaty.code: {"status": status.status, "note": status.note} for status in obj.tracked_treaty_statuses
        }


class MembershipSerializer(serializers.Serializer):
    organization = serializers.CharField(source="organization.code")
    name = serializers.CharField(source="organization.name")
    membership = serializers.CharField(source="kind")
    note = serializers.CharField()


class StateDetailSerializer(StateSerializer):
    memberships = MembershipSerializer(many=True, source="current_memberships")

    class Meta(StateSerializer.Meta):
        fields = [*StateSerializer.Meta.fields, "iso_name", "group_note", "memberships"]
