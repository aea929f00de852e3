from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from matrices import services
from matrices.models import Aspect, CellColumn, Mark, Matrix, Regime


class RegimeSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(read_only=True)
    template_version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Regime
        fields = ["code", "name", "slug", "column", "template_version"]


class CellSerializer(serializers.Serializer):
    """A cell as the contract gives it; used for documentation and for input."""

    row = serializers.CharField(max_length=60)
    column = serializers.ChoiceField(choices=CellColumn.choices)
    aspect = serializers.ChoiceField(choices=Aspect.choices, default=Aspect.FRAMEWORK)
    mark = serializers.ChoiceField(choices=Mark.choices, allow_blank=True, default="")
    source = serializers.CharField(allow_blank=True, default="")
    remarks = serializers.CharField(allow_blank=True, default="")
    derived_from = serializers.DictField(child=serializers.CharField(), allow_null=True, read_only=True)


class CellsInputSerializer(serializers.Serializer):
    cells = CellSerializer(many=True)


class MatrixSerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="state.iso3", read_only=True)
    regime = serializers.CharField(source="regime.code", read_only=True)
    template_version = serializers.IntegerField(source="template.version", read_only=True)
    consent_given = serializers.SerializerMethodField()
    review_note = serializers.SerializerMethodField()

    class Meta:
        model = Matrix
        fields = [
            "id",
            "state",
            "regime",
            "version",
            "status",
            "template_version",
            "based_on",
            "prepared_by_expert",
            "report_date",
            "created_at",
            "submitted_at",
            "review_started_at",
            "approved_at",
            "consent_given",
            "published_at",
            "review_note",
        ]

    def get_consent_given(self, obj) -> bool:
        return obj.consent_given_at is not None

    def get_review_note(self, obj) -> str:
        """The experts' note on the last request for changes: for the State and the experts only."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and (services.is_reviewer(user) or services.is_official_of(user, obj.state_id)):
            return obj.review_note
        return ""


class MatrixDetailSerializer(MatrixSerializer):
    cells = serializers.SerializerMethodField()

    class Meta(MatrixSerializer.Meta):
        fields = [*MatrixSerializer.Meta.fields, "cells"]

    @extend_schema_field(CellSerializer(many=True))
    def get_cells(self, obj):
        return self.context["cells"]


class CreateMatrixSerializer(serializers.Serializer):
    state = serializers.CharField(max_length=3, help_text="ISO alpha-3 code, e.g. JAM")
    regime = serializers.CharField(max_length=10, help_text="1540, CWC, NPT or BWC")


class ConsentSerializer(serializers.Serializer):
    consent = serializers.BooleanField(default=True)


class RequestChangesSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    row = serializers.CharField(source="row_code", max_length=60)
    column = serializers.ChoiceField(choices=CellColumn.choices)
    aspect = serializers.ChoiceField(choices=Aspect.choices, default=Aspect.FRAMEWORK)
    body = serializers.CharField(max_length=2000)
    author = serializers.CharField(source="author.username", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class DiffSerializer(serializers.Serializer):
    matrix = serializers.IntegerField()
    against = serializers.IntegerField()
    changes = serializers.ListField(child=serializers.DictField())


class GapSerializer(serializers.Serializer):
    matrix = serializers.IntegerField()
    regime = serializers.CharField()
    version = serializers.IntegerField()
    section = serializers.CharField()
    row = serializers.CharField()
    label = serializers.CharField()
    column = serializers.CharField()
    aspect = serializers.CharField()
    mark = serializers.CharField()


class GapsSerializer(serializers.Serializer):
    state = serializers.CharField()
    total = serializers.IntegerField()
    sections = serializers.ListField(child=serializers.DictField())
    gaps = GapSerializer(many=True)
