"""A State's points of contact and issue champions through the API.

`GET /api/v1/states/{iso3}/contacts/` answers those who may see the State's contacts (its officials, the
Committee's experts and the administrators, a provider matched to or working on one of its requests)
with the contacts, and everyone else with which kinds of contact the State has designated: one
`{"kind", "designated"}` per kind, never a name or an address. `POST` adds one (the State's officials,
the experts). `GET|PATCH|DELETE /api/v1/contacts/{id}/` reads, changes, deletes one; `POST
/api/v1/contacts/{id}/confirm/` is the State saying it is still current. A contact is a 404 to anyone
who may not see it; who may do what is `states.contacts`' decision, as on the pages.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from portal.core.api import StrictQueryMixin, StrictSerializer, TextField, lookup_id
from portal.core.idempotency import idempotent
from states import contacts
from states.models import Contact, State


@extend_schema_field({"$ref": "#/components/schemas/ContactKindEnum"})
class KindChoice(serializers.ChoiceField):
    """The kind of a contact: in the schema, the enum of a contact's `kind` (ContactSerializer's)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Contact.Kind.choices, **kwargs)


@extend_schema_field({"$ref": "#/components/schemas/LanguageEnum"})
class LanguageChoice(serializers.ChoiceField):
    """A language code: in the schema, the same enum as an assistance request's `language`."""

    def __init__(self, **kwargs):
        super().__init__(choices=contacts.LANGUAGES, **kwargs)


class ContactSerializer(serializers.Serializer):
    """A point of contact, as those who may see it read it."""

    id = serializers.IntegerField(read_only=True)
    state = serializers.CharField(source="state.iso3", read_only=True, help_text="the State's ISO alpha-3 code")
    kind = serializers.ChoiceField(choices=Contact.Kind.choices)
    name = serializers.CharField()
    agency = serializers.CharField(help_text="the ministry or agency; may be empty")
    role = serializers.CharField(help_text="the person's function there; may be empty")
    email = serializers.EmailField()
    phone = serializers.CharField(help_text="may be empty")
    languages = serializers.ListField(child=LanguageChoice(), help_text="the languages the contact works in")
    valid_from = serializers.DateField(allow_null=True, help_text="in office from this day; null: no start given")
    valid_until = serializers.DateField(allow_null=True, help_text="in office until this day; null: open-ended")
    confirmed_at = serializers.DateTimeField(
        read_only=True, help_text="when the State last confirmed the contact as current (set on creation too)"
    )
    current = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    def get_current(self, obj) -> bool:
        """In office today (between valid_from and valid_until)."""
        return contacts.is_current(obj, self.context.get("today"))

    def get_overdue(self, obj) -> bool:
        """Not ended, and not confirmed as current for a year: the State is asked to confirm or update it."""
        return contacts.is_overdue(obj, self.context.get("now"))


class DesignationSerializer(serializers.Serializer):
    """What the public learns of a State's contacts: for each kind, whether it has a current one."""

    kind = KindChoice()
    designated = serializers.BooleanField()


class ContactInput(StrictSerializer):
    """A contact, checked here for types, then by the services (the web form's rules). On PATCH, the
    fields given are merged over the contact's current values. The read-only fields may be sent back
    as read; they are ignored."""

    id = serializers.IntegerField(read_only=True)
    state = serializers.CharField(read_only=True)
    kind = KindChoice()
    name = TextField(max_length=200)
    agency = TextField(required=False, allow_blank=True, max_length=200)
    role = TextField(required=False, allow_blank=True, max_length=200)
    email = TextField(max_length=254, help_text="an e-mail address")
    phone = TextField(
        required=False, allow_blank=True, max_length=40, help_text="digits, spaces, + ( ) - . / and an extension"
    )
    languages = serializers.ListField(
        child=LanguageChoice(),
        required=False,
        max_length=len(contacts.LANGUAGES),
        help_text="among the six UN languages, Portuguese and Dutch",
    )
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True, help_text="not before valid_from")
    confirmed_at = serializers.DateTimeField(read_only=True)
    current = serializers.BooleanField(read_only=True)
    overdue = serializers.BooleanField(read_only=True)


LIST_RESPONSE = PolymorphicProxySerializer(
    component_name="StateContactsEntry",
    serializers=[ContactSerializer, DesignationSerializer],
    resource_type_field_name=None,
    many=True,
)
ISO3 = OpenApiParameter("iso3", str, OpenApiParameter.PATH, description="ISO 3166 alpha-3, e.g. JAM")
CONTACT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="the contact's id")


def _context(request):
    now = timezone.now()
    return {"request": request, "now": now, "today": timezone.localdate(now)}


def _answer(request, contact, code=status.HTTP_200_OK):
    fresh = contacts.get_visible(request.user, contact.pk)
    return Response(ContactSerializer(fresh, context=_context(request)).data, status=code)


class StateContactsView(StrictQueryMixin, GenericAPIView):
    """A State's points of contact and issue champions: the contacts for those who may see them, which
    kinds are designated for everyone else."""

    pagination_class = None
    serializer_class = ContactSerializer
    queryset = Contact.objects.none()  # for the schema; the views ask `states.contacts`

    def get_permissions(self):
        return [AllowAny()] if self.request.method in ("GET", "HEAD", "OPTIONS") else [IsAuthenticated()]

    def _state(self, iso3) -> State:
        state = State.objects.filter(iso3=iso3.upper()).first()
        if state is None:
            raise NotFound(_("No UN Member State has the ISO alpha-3 code %(code)s.") % {"code": iso3.upper()})
        return state

    @extend_schema(
        summary="A State's points of contact; for the public, which kinds are designated",
        description=(
            "The State's officials, the Committee's experts and the administrators get every contact of the "
            "State (past and future ones too); the staff of a provider matched to or working on one of the "
            "State's requests (routed, claimed or delivered) get its current contacts. Everyone else gets one "
            '`{"kind", "designated"}` per kind, in the order of the kinds: `designated` is true when the State '
            "has a contact of that kind in office today. No name or address is ever given to them."
        ),
        parameters=[ISO3],
        responses={200: LIST_RESPONSE},
    )
    def get(self, request, iso3):
        state = self._state(iso3)
        if not contacts.can_see(request.user, state.pk):
            rows = [{"kind": row["kind"], "designated": row["designated"]} for row in contacts.designated_kinds(state)]
            return Response(DesignationSerializer(rows, many=True).data)
        visible = contacts.visible_contacts(request.user, state, may_see=True)
        return Response(ContactSerializer(visible, many=True, context=_context(request)).data)

    @extend_schema(
        summary="Add a point of contact (the State's officials, the Committee's experts)",
        parameters=[ISO3],
        request=ContactInput,
        responses={201: ContactSerializer},
    )
    @idempotent
    def post(self, request, iso3):
        state = self._state(iso3)
        data = ContactInput(data=request.data)
        data.is_valid(raise_exception=True)
        contact = contacts.create(state, dict(data.validated_data), acting_user=request.user)
        return _answer(request, contact, status.HTTP_201_CREATED)


class ContactView(StrictQueryMixin, GenericAPIView):
    """One point of contact: a 404 to anyone who may not see it."""

    serializer_class = ContactSerializer
    queryset = Contact.objects.none()
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_permissions(self):
        return [AllowAny()] if self.request.method in ("GET", "HEAD", "OPTIONS") else [IsAuthenticated()]

    def _contact(self, pk) -> Contact:
        return contacts.get_visible(self.request.user, lookup_id(pk, _("No contact %(id)s.") % {"id": pk}))

    @extend_schema(summary="One point of contact", parameters=[CONTACT_ID], responses={200: ContactSerializer})
    def get(self, request, pk):
        return Response(ContactSerializer(self._contact(pk), context=_context(request)).data)

    @extend_schema(
        summary="Change a point of contact (the State's officials, the Committee's experts)",
        description="The fields given are merged over the current ones. An edit by the State's officials "
        "also confirms the contact as current.",
        parameters=[CONTACT_ID],
        request=ContactInput,
        responses={200: ContactSerializer},
    )
    def patch(self, request, pk):
        data = ContactInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        contact = contacts.update(self._contact(pk), dict(data.validated_data), acting_user=request.user)
        return _answer(request, contact)

    @extend_schema(
        summary="Delete a point of contact (the State's officials, the Committee's experts)",
        parameters=[CONTACT_ID],
        responses={204: None},
    )
    def delete(self, request, pk):
        contacts.delete(self._contact(pk), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactConfirmView(StrictQueryMixin, GenericAPIView):
    """The State says one of its contacts is still current, as it stands."""

    serializer_class = ContactSerializer
    queryset = Contact.objects.none()
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Confirm a point of contact as still current (the State's officials)",
        parameters=[CONTACT_ID],
        request=None,
        responses={200: ContactSerializer},
    )
    def post(self, request, pk):
        contact = contacts.get_visible(request.user, lookup_id(pk, _("No contact %(id)s.") % {"id": pk}))
        return _answer(request, contacts.confirm(contact, acting_user=request.user))
