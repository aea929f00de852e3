import re

from django.db.models import Max
from django.shortcuts import get_object_or_404
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, status, viewsets
from rest_framework import serializers as fields
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from matrices import cache as public_cache
from matrices import reports, services
from matrices.api import serializers as s
from matrices.filtersets import MatrixFilterSet
from matrices.models import Matrix, Regime
from portal.core.api import StrictQueryMixin, lookup_id
from states.models import State


def cells_payload(matrix: Matrix) -> list[dict]:
    """Every cell of the version's template, blank ones included, in display order. Two queries."""
    stored = {
        (row, column, aspect): (mark, source, remarks, regime, derived_row)
        for row, column, aspect, mark, source, remarks, regime, derived_row in matrix.cells.values_list(
            "row__code", "column", "aspect", "mark", "source", "remarks", "derived_from_regime", "derived_from_row"
        )
    }
    payload = []
    for spec in services.layout(matrix.template):
        mark, source, remarks, regime, derived_row = stored.get(spec.key, ("", "", "", "", ""))
        payload.append(
            {
                "row": spec.row.code,
                "column": spec.column,
                "aspect": spec.aspect,
                "mark": mark,
                "source": source,
                "remarks": remarks,
                "derived_from": {"regime": regime, "row": derived_row} if regime else None,
            }
        )
    return payload


# ---------------------------------------------------------------------------------------------
# Optimistic concurrency: a version's ETag is its id and revision (services raise the revision with
# every change of the version, in the same transaction). `PATCH cells/` with an `If-Match` that is
# not current is refused with 412 `stale-version` and changes nothing; without `If-Match` it overwrites.

_ETAG = re.compile(r'"([0-9]{1,18})-([0-9]{1,18})"')

ETAG_HEADER = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    description="The version's entity tag, which changes with every change of the version. "
    "Send it back in `If-Match` with `PATCH matrices/{id}/cells/`.",
)
IF_MATCH_HEADER = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The `ETag` of the version as you read it (or `*`). If the version has changed since, nothing "
    "is saved and the answer is 412 `stale-version`: read it again and reapply your change. Without "
    "`If-Match`, the cells sent overwrite what is stored, whatever changed meanwhile.",
)
STALE_VERSION = OpenApiResponse(
    inline_serializer(
        "StaleVersionError",
        {"code": fields.CharField(help_text="`stale-version`"), "detail": fields.CharField()},
    ),
    description="`stale-version`: the version changed since the `ETag` sent in `If-Match`; nothing was saved.",
)


def matrix_etag(matrix: Matrix) -> str:
    """The ETag of a version: `"<id>-<revision>"` (a strong tag: the same revision, the same cells)."""
    return f'"{matrix.pk}-{matrix.revision}"'


def if_match_revisions(request, matrix: Matrix):
    """The revisions of `matrix` that the request's `If-Match` names; None without it (or with `*`)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        return None
    tags = parse_etags(header)
    if "*" in tags:
        return None
    revisions = set()
    for tag in tags:
        match = _ETAG.fullmatch(tag)  # a weak tag (W/"...") never matches: If-Match compares strongly
        if match and int(match[1]) == matrix.pk:
            revisions.add(int(match[2]))
    return revisions


def regime_by_code(code: str) -> Regime:
    regime = Regime.objects.filter(code__iexact=code).first()
    if regime is None:
        raise NotFound(_("No regime %(code)s: use 1540, CWC, NPT or BWC.") % {"code": code})
    return regime


@extend_schema_view(list=extend_schema(summary="The four regimes"))
class RegimeViewSet(StrictQueryMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Resolution 1540 and the CWC, NPT and BWC, with the version of their current template. Public."""

    serializer_class = s.RegimeSerializer
    pagination_class = None
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z]+"

    def get_queryset(self):
        return Regime.objects.annotate(template_version=Max("templates__version")).order_by("order")

    @extend_schema(
        summary="The current template of a regime: sections, rows, cells and 1540 mappings", responses={200: dict}
    )
    @action(detail=True, methods=["get"])
    def template(self, request, code=None):
        regime = regime_by_code(code)
        template = regime.templates.order_by("-version").first()
        rows = list(
            template.rows.select_related("section").prefetch_related("mappings").order_by("section__order", "order")
        )
        sections = {}
        for row in rows:
            section = sections.setdefault(
                row.section_id,
                {"code": row.section.code, "label": row.section.label, "rows": []},
            )
            section["rows"].append(
                {
                    "code": row.code,
                    "label": row.label,
                    "kind": row.kind,
                    "legal_basis": row.legal_basis,
                    "source_status": row.source_status,
                    "retired": row.retired,
                    "cells": [{"column": c, "aspect": a} for c, a in row.cell_keys(regime.column)],
                    "maps_to": [
                        {"row": m.target_code, "column": m.column, "aspect": m.aspect} for m in row.mappings.all()
                    ],
                }
            )
        return Response({"regime": regime.code, "version": template.version, "sections": list(sections.values())})


@extend_schema_view(
    list=extend_schema(summary="Matrix versions you may see (the public sees published ones)"),
    retrieve=extend_schema(summary="One matrix version with all its cells", parameters=[ETAG_HEADER]),
    create=extend_schema(summary="Start a new draft", request=s.CreateMatrixSerializer),
)
class MatrixViewSet(
    StrictQueryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    filterset_class = MatrixFilterSet
    query_parameters = {"diff": ["against"]}

    def get_queryset(self):
        return (
            Matrix.objects.visible_to(self.request.user)
            .select_related("state", "regime", "template__regime")
            .order_by("state__name", "regime__order", "-version")
        )

    def get_permissions(self):
        if self.action in ("list", "retrieve", "diff"):
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_serializer_class(self):
        return s.MatrixDetailSerializer if self.action == "retrieve" else s.MatrixSerializer

    def get_object(self):
        pk = lookup_id(self.kwargs["pk"], _("No matrix version %(id)s.") % {"id": self.kwargs["pk"]})
        return services.get_visible(self.request.user, pk, self.get_queryset())

    def list(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return super().list(request, *args, **kwargs)
        # The public sees published versions only, which never change: cached (matrices/cache.py).
        return public_cache.public_api_list(request, lambda: super(MatrixViewSet, self).list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        matrix = self.get_object()

        def respond():
            cells = public_cache.published_cells(matrix, cells_payload)  # cached once published
            return Response(s.MatrixDetailSerializer(matrix, context={"request": request, "cells": cells}).data)

        if matrix.is_published and not request.user.is_authenticated:
            response = public_cache.public_api_detail(matrix, respond)
        else:
            response = respond()
        if response.status_code == 200:
            response["ETag"] = matrix_etag(matrix)
        return response

    def create(self, request, *args, **kwargs):
        data = s.CreateMatrixSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        state = State.objects.filter(iso3__iexact=data.validated_data["state"]).first()
        if state is None:
            raise ValidationError({"state": [_("No UN Member State has this ISO alpha-3 code.")]})
        regime = Regime.objects.filter(code__iexact=data.validated_data["regime"]).first()
        if regime is None:
            raise ValidationError({"regime": [_("Use 1540, CWC, NPT or BWC.")]})
        matrix = services.start_draft(
            state, regime, acting_user=request.user, language=data.validated_data.get("language")
        )
        return Response(s.MatrixSerializer(matrix, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Bulk upsert of cells on a draft, all or nothing",
        description="Sets the cells sent (the others stay as they are). With `If-Match` (the `ETag` of "
        "`GET matrices/{id}/`), nothing is saved if the version changed since: 412 `stale-version`. "
        "Without `If-Match`, the cells sent overwrite what is stored.",
        request=s.CellsInputSerializer,
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
        responses={200: s.MatrixDetailSerializer, 412: STALE_VERSION},
    )
    @action(detail=True, methods=["patch"])
    def cells(self, request, pk=None):
        matrix = self.get_object()
        if not isinstance(request.data, dict) or "cells" not in request.data:
            raise ValidationError({"cells": [_('Send {"cells": [cell, ...]}.')]})
        data = s.CellsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cells = [
            {name: cell[name] for name in ("row", "column", "aspect", "mark", "source", "remarks") if name in cell}
            for cell in data.validated_data["cells"]
        ]
        services.update_cells(matrix, cells, acting_user=request.user, revision=if_match_revisions(request, matrix))
        matrix.refresh_from_db()
        response = Response(
            s.MatrixDetailSerializer(matrix, context={"request": request, "cells": cells_payload(matrix)}).data
        )
        response["ETag"] = matrix_etag(matrix)
        return response

    @extend_schema(
        summary="Say the language of the State's entries of a draft",
        description="The entries stay as written; this records the language they are written in. With "
        "`If-Match` (the `ETag` of `GET matrices/{id}/`), nothing is saved if the version changed since.",
        request=s.MatrixChangeSerializer,
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
        responses={200: s.MatrixSerializer, 412: STALE_VERSION},
    )
    def partial_update(self, request, pk=None):
        matrix = self.get_object()
        data = s.MatrixChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        matrix = services.set_language(
            matrix,
            language=data.validated_data["language"],
            acting_user=request.user,
            revision=if_match_revisions(request, matrix),
        )
        response = Response(s.MatrixSerializer(matrix, context={"request": request}).data)
        response["ETag"] = matrix_etag(matrix)
        return response

    def _transition(self, request, func, **kwargs):
        matrix = func(self.get_object(), acting_user=request.user, **kwargs)
        return Response(s.MatrixSerializer(matrix, context={"request": request}).data)

    @extend_schema(summary="Submit a draft for review (State official)", request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(request, services.submit)

    @extend_schema(summary="Send back to the State with comments (expert)", request=s.RequestChangesSerializer)
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        data = s.RequestChangesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._transition(request, services.request_changes, comment=data.validated_data.get("comment", ""))

    @extend_schema(summary="Approve (expert); published at once if the State has consented", request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, services.approve)

    @extend_schema(summary="Give or withdraw consent to publish (State official)", request=s.ConsentSerializer)
    @action(detail=True, methods=["post"])
    def consent(self, request, pk=None):
        data = s.ConsentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._transition(request, services.set_consent, consent=data.validated_data["consent"])

    @extend_schema(
        summary="Cell-level differences from another version",
        parameters=[OpenApiParameter("against", int, required=True, description="id of the other version")],
        responses={200: s.DiffSerializer},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def diff(self, request, pk=None):
        matrix = self.get_object()
        against = request.query_params.get("against", "")
        if not against.isascii() or not against.isdigit():
            raise ValidationError({"against": [_("Give the id of the version to compare with: ?against=ID.")]})
        other = services.get_visible(
            request.user, lookup_id(against, _("No matrix version %(id)s.") % {"id": against}), self.get_queryset()
        )
        return Response({"matrix": matrix.pk, "against": other.pk, "changes": services.diff(other, matrix)})

    @extend_schema(
        summary="Comments per cell (the State's officials and the experts only)",
        request=s.CommentSerializer,
        responses={200: s.CommentSerializer(many=True), 201: s.CommentSerializer},
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None)
    def comments(self, request, pk=None):
        matrix = self.get_object()
        if request.method == "GET":
            return Response(s.CommentSerializer(services.comments_for(request.user, matrix), many=True).data)
        data = s.CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.add_comment(
            matrix,
            row=data.validated_data["row_code"],
            column=data.validated_data["column"],
            aspect=data.validated_data["aspect"],
            body=data.validated_data["body"],
            language=data.validated_data.get("language"),
            acting_user=request.user,
        )
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class GapsView(StrictQueryMixin, APIView):
    """Applicable cells with no information or a `?`, in each regime's latest version you may see."""

    query_parameters = {None: ["state"]}

    @extend_schema(
        summary="A State's gaps",
        parameters=[OpenApiParameter("state", str, required=True, description="ISO alpha-3 code")],
        responses={200: s.GapsSerializer},
    )
    def get(self, request):
        code = request.query_params.get("state", "")
        if not code:
            raise ValidationError({"state": [_("Give the State: ?state=ISO3.")]})
        state = get_object_or_404(State, iso3__iexact=code)
        return Response(services.state_gaps(state, request.user))


class StateReportsView(StrictQueryMixin, APIView):
    """A State's national reports, newest first: the public sees them once a matrix version of the State
    is published; the State's officials see all of their own; the Committee's experts all."""

    pagination_class = None

    @extend_schema(
        summary="A State's national reports",
        parameters=[OpenApiParameter("iso3", str, OpenApiParameter.PATH, description="ISO 3166 alpha-3, e.g. JAM")],
        responses={200: s.NationalReportSerializer(many=True)},
    )
    def get(self, request, iso3):
        state = State.objects.filter(iso3=iso3.upper()).first()
        if state is None:
            raise NotFound(_("No UN Member State has the ISO alpha-3 code %(code)s.") % {"code": iso3.upper()})
        found = reports.visible_reports(request.user, state)
        return Response(s.NationalReportSerializer(found, many=True, context={"request": request}).data)
