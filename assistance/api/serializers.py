from rest_framework import serializers

from assistance.models import Provider
from assistance.reference import WORLDWIDE


class ProviderSerializer(serializers.ModelSerializer):
    areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    regions = serializers.SerializerMethodField()

    class Meta:
        model = Provider
        fields = ["slug", "name", "kind", "columns", "areas", "regions", "languages", "note"]

    def get_regions(self, obj) -> list[str]:
        """UN regional groups served, or ["ALL"] for a provider that works worldwide."""
        return [WORLDWIDE] if obj.serves_all_regions else [region.name for region in obj.regions.all()]
