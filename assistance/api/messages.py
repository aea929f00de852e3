"""The conversation on a request between the State and each matched provider, through the API.

`GET /api/v1/assistance/requests/{id}/messages/` lists the messages the caller may read (one provider's
conversation with `?provider=<slug>`); `POST` writes one, as JSON or as multipart with a document. Who
may read and write is `assistance.conversation`'s decision, as on the pages: the State's officials every
conversation of their State's request, a matched provider's staff their own, the Committee's experts
read every one and write none; anyone else gets 404, a closed or withdrawn request 409.
"""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from assistance import conversation, services
from assistance.models import MAX_TEXT, AssistanceRequest, Match, Message
from portal.accounts.roles import is_official_of, is_reviewer
from portal.core.api import (
    COMMON_PARAMETERS,
    PAGING_PARAMETERS,
    StrictQueryMixin,
    StrictSerializer,
    TextField,
    lookup_id,
)
from portal.core.exceptions import NotVisible
from portal.core.idempotency import idempotent
from portal.core.parsers import StrictJSONParser
from portal.core.usertext import LanguageField


class MessageSerializer(serializers.Serializer):
    """A message of a conversation; expects its provider and author loaded with it."""

    id = serializers.IntegerField()
    request = serializers.IntegerField(source="request_id")
    provider = serializers.CharField(source="provider.slug", help_text="the provider of the conversation")
    side = serializers.ChoiceField(choices=Message.Side.choices, help_text="who wrote it: the State or the provider")
    author = serializers.SerializerMethodField()
    body = serializers.CharField()
    language = LanguageField(help_text="the language the message is written in")
    document = serializers.SerializerMethodField()
    document_name = serializers.CharField(help_text="the name the document was sent with; empty without one")
    created_at = serializers.DateTimeField()

    def get_author(self, obj) -> str | None:
        """The username of who wrote it; null once that account is deleted."""
        return obj.author.username if obj.author_id else None

    def get_document(self, obj) -> str | None:
        """Where those who may read the conversation download its document (a logged-in page); null without one."""
        if not obj.document:
            return None
        path = reverse("assistance:message_document", args=[obj.request_id, obj.provider.slug, obj.pk])
        return self.context["request"].build_absolute_uri(path)


class MessageInput(StrictSerializer):
    provider = TextField(
        required=False, max_length=40, help_text="the provider's slug; provider staff may leave it out (their own)"
    )
    body = TextField(max_length=MAX_TEXT)
    language = LanguageField(
        required=False, help_text="the language the message is written in; by default the caller's interface language"
    )


class MessageUpload(MessageInput):
    document = serializers.FileField(
        required=False, help_text="a .pdf, .doc, .docx or .odt file (its size and content are checked)"
    )


REQUEST_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="the assistance request's id")
WITH_MATCHES = AssistanceRequest.objects.prefetch_related(
    Prefetch("matches", queryset=Match.objects.select_related("provider"))
)


class RequestMessagesView(StrictQueryMixin, GenericAPIView):
    """The conversations on one request: read them, write in one."""

    permission_classes = [IsAuthenticated]
    parser_classes = [StrictJSONParser, MultiPartParser]
    serializer_class = MessageSerializer
    queryset = Message.objects.none()  # what the schema reads the path's id type from; get() filters its own

    def allowed_query_parameters(self):
        allowed = set(COMMON_PARAMETERS) | {"provider"}
        return allowed | PAGING_PARAMETERS if self.request.method == "GET" else allowed

    def _request(self, pk):
        pk = lookup_id(pk, _("No assistance request %(id)s.") % {"id": pk})
        return services.get_visible(self.request.user, pk, WITH_MATCHES)

    def _provider(self, request_obj, slug):
        """The provider of the conversation `slug` the caller may read; NotVisible (404) otherwise."""
        for provider in conversation.conversation_providers(self.request.user, request_obj):
            if provider.slug == slug:
                return provider
        raise NotVisible(_("No conversation with this provider on request %(id)s.") % {"id": request_obj.pk})

    @extend_schema(
        summary="Messages of the request's conversations you may read (one provider's with ?provider=)",
        description=(
            "Oldest first. The State's officials read every conversation of their State's request, a matched "
            "provider's staff their own, the Committee's experts every one; anyone else gets 404."
        ),
        parameters=[REQUEST_ID, OpenApiParameter("provider", str, required=False, description="a provider's slug")],
        responses=MessageSerializer(many=True),
    )
    def get(self, request, pk):
        request_obj = self._request(pk)
        user = request.user
        slug = request.query_params.get("provider")
        if slug is not None:
            providers = [self._provider(request_obj, slug)]
        else:
            providers = conversation.conversation_providers(user, request_obj)
            if not providers and not (is_official_of(user, request_obj.state_id) or is_reviewer(user)):
                raise NotVisible(_("No conversation you may read on request %(id)s.") % {"id": request_obj.pk})
        queryset = (
            Message.objects.filter(request=request_obj, provider__in=providers)
            .select_related("provider", "author")
            .order_by("created_at", "id")
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Write in a conversation (the State's officials, or the provider's staff)",
        description=(
            "JSON `{provider, body}`, or multipart with a `document` (PDF or word-processor file). Provider "
            "staff may leave `provider` out. A provider's first message on the request is its first response. "
            "The other side is told by e-mail. 403 for the Committee's experts (they read), 409 once the request "
            "is closed or withdrawn."
        ),
        request={"application/json": MessageInput, "multipart/form-data": MessageUpload},
        responses={201: MessageSerializer},
        parameters=[REQUEST_ID, OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    @idempotent
    def post(self, request, pk):
        is_upload = request.content_type.startswith("multipart/")
        data = (MessageUpload if is_upload else MessageInput)(data=request.data)
        data.is_valid(raise_exception=True)
        request_obj = self._request(pk)
        slug = data.validated_data.get("provider") or request.query_params.get("provider")
        if not slug:
            own = getattr(request.user, "provider", None) if request.user.is_provider_staff else None
            if own is None:
                raise ValidationError({"provider": [_("Say which provider's conversation to write in.")]})
            slug = own.slug
        provider = self._provider(request_obj, slug)
        message = conversation.post(
            request_obj,
            provider,
            body=data.validated_data["body"],
            document=data.validated_data.get("document"),
            language=data.validated_data.get("language"),
            acting_user=request.user,
        )
        message.provider = provider
        message.author = request.user
        return Response(self.get_serializer(message).data, status=status.HTTP_201_CREATED)
