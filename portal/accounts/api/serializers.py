from rest_framework import serializers

from portal.accounts.models import User
from portal.core.api import StrictInputMixin, TextField


class MeSerializer(StrictInputMixin, serializers.ModelSerializer):
    state = serializers.SlugRelatedField(slug_field="iso3", read_only=True, allow_null=True)
    provider = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    read_only_token = serializers.SerializerMethodField()
    first_name = TextField(max_length=150, allow_blank=True, required=False)
    last_name = TextField(max_length=150, allow_blank=True, required=False)

    class Meta:
        model = User
        fields = ["username", "role", "state", "provider", "first_name", "last_name", "email", "read_only_token"]
        read_only_fields = ["username", "role", "state", "provider"]

    def get_read_only_token(self, obj) -> bool | None:
        """Whether the request came with a read-only token (null for a browser session)."""
        token = self.context["request"].auth
        return getattr(token, "read_only", None)
