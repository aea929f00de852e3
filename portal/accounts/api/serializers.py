from rest_framework import serializers

from portal.accounts.models import User


class MeSerializer(serializers.ModelSerializer):
    state = serializers.SlugRelatedField(slug_field="iso3", read_only=True)
    provider = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    read_only_token = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["username", "role", "state", "provider", "first_name", "last_name", "email", "read_only_token"]
        read_only_fields = ["username", "role", "state", "provider"]
        extra_kwargs = {"first_name": {"max_length": 150}, "last_name": {"max_length": 150}}

    def get_read_only_token(self, obj) -> bool | None:
        """Whether the request came with a read-only token (null for a browser session)."""
        token = self.context["request"].auth
        return getattr(token, "read_only", None)
