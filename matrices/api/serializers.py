from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from matrices.models import MAX_TEXT, Aspect, CellColumn, Mark, Matrix, NationalReport, Regime
from portal.accounts import roles
from portal.core.api import StrictBooleanField, StrictSerializer, TextField
from portal.core.usertext import LanguageField


class RegimeSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(read_only=True)
    template_version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Regime
        fields = ["code", "name", "slug", "column", "template_version"]


# The most cells one PATCH may carry: every cell of the largest template, several times over.
MAX_CELLS_PER_PATCH = 2000


class CellSerializer(StrictSerializer):
    """A cell as the contract gives it; used for documentation and for input (a cell sent is replaced
    whole: a missing mark, source or remarks is blank)."""

    row = TextField(max_length=60)
    column = serializers.ChoiceField(choices=CellColumn.choices)
    aspect = serializers.ChoiceField(choices=Aspect.choices, default=Aspect.FRAMEWORK)
    mark = serializers.ChoiceField(choices=Mark.choices, allow_blank=True, default="")
    source = TextField(allow_blank=True, default="", max_length=MAX_TEXT, trim_whitespace=False)
    remarks = TextField(allow_blank=True, default="", max_length=MAX_TEXT, trim_whitespace=False)
    derived_from = serializers.DictField(child=serializers.CharField(), allow_null=True, read_only=True)


class CellsInputSerializer(StrictSerializer):
    cells = CellSerializer(many=True, allow_empty=False, max_length=MAX_CELLS_PER_PATCH)


class MatrixSerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="state.iso3", read_only=True)
    regime = serializers.CharField(source="regime.code", read_only=True)
    template_version = serializers.IntegerField(source="template.version", read_only=True)
    consent_given = serializers.SerializerMethodField()
    review_note = serializers.SerializerMethodField()
    language = LanguageField(
        read_only=True,
        help_text="the language of the State's entries (legal sources, remarks), shown as written; "
        "set on PATCH matrices/{id}/",
    )

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
            "report",
            "report_date",
            "created_at",
            "submitted_at",
            "review_started_at",
            "approved_at",
            "consent_given",
            "published_at",
            "review_note",
            "language",
        ]

    def get_consent_given(self, obj) -> bool:
        return obj.consent_given_at is not None

    def get_review_note(self, obj) -> str:
        """The experts' note on the last request for changes: for the State and the experts only."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and (roles.is_reviewer(user) or roles.is_official_of(user, obj.state_id)):
            return obj.review_note
        return ""


class MatrixDetailSerializer(MatrixSerializer):
    cells = serializers.SerializerMethodField()

    class Meta(MatrixSerializer.Meta):
        fields = [*MatrixSerializer.Meta.fields, "cells"]

    @extend_schema_field(CellSerializer(many=True))
    def get_cells(self, obj):
        return self.context["cells"]


class CreateMatrixSerializer(StrictSerializer):
    state = TextField(max_length=3, help_text="ISO alpha-3 code, e.g. JAM")
    regime = TextField(max_length=10, help_text="1540, CWC, NPT or BWC")
    language = LanguageField(
        required=False,
        help_text="the language of the State's entries; by default the previous published version's, "
        "else the caller's interface language",
    )


class MatrixChangeSerializer(StrictSerializer):
    """What a draft's editor may change on the version itself: the language of the State's entries."""

    language = LanguageField(help_text="the language of the State's entries (legal sources, remarks)")


class ConsentSerializer(StrictSerializer):
    consent = StrictBooleanField(default=True, help_text="true gives consent to publish, false withdraws it")


class RequestChangesSerializer(StrictSerializer):
    comment = TextField(required=False, allow_blank=True, max_length=2000)


class CommentSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    row = TextField(source="row_code", max_length=60)
    column = serializers.ChoiceField(choices=CellColumn.choices)
    aspect = serializers.ChoiceField(choices=Aspect.choices, default=Aspect.FRAMEWORK)
    body = TextField(max_length=2000)
    language = LanguageField(
        required=False, help_text="the language the comment is written in; by default the caller's interface language"
    )
    author = serializers.CharField(source="author.username", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    # The cell's thread was resolved (null while open); resolving is done on the review pages.
    resolved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    resolved_by = serializers.CharField(source="resolved_by.username", read_only=True, allow_null=True, default=None)


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


class NationalReportSerializer(serializers.ModelSerializer):
    """A national report of a State, with the versions citing it that the caller may see."""

    kind = serializers.ChoiceField(
        choices=NationalReport.Kind.choices, help_text="the State's first report or an additional one"
    )
    language = serializers.ChoiceField(
        choices=NationalReport.Language.values, help_text="the language it is written in"
    )
    document = serializers.SerializerMethodField()
    matrices = serializers.SerializerMethodField()

    class Meta:
        model = NationalReport
        fields = ["id", "kind", "title", "report_date", "language", "document", "matrices"]

    def get_document(self, obj) -> str:
        """Where the report is downloaded (the same visibility as this list)."""
        return self.context["request"].build_absolute_uri(reverse("matrices:download_report", args=[obj.pk]))

    def get_matrices(self, obj) -> list[int]:
        """The ids of the matrix versions built from this report that you may see."""
        return [matrix.pk for matrix in obj.cited_by]
