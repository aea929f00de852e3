from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assistance import offers as offer_services
from assistance import services
from assistance.models import MAX_TEXT, AssistanceRequest, AssistanceType, Column, Mandate, Match, Offer, Provider
from assistance.reasons import reason_texts
from assistance.reference import WORLDWIDE
from matrices.models import Aspect, CellColumn
from portal.core.api import StrictBooleanField, StrictIntegerField, StrictSerializer, TextField
from portal.core.usertext import LanguageField


class ProviderSerializer(serializers.ModelSerializer):
    areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    regions = serializers.SerializerMethodField()
    mandate = serializers.SerializerMethodField()
    offers = serializers.SerializerMethodField()
    capacity = serializers.SerializerMethodField()

    class Meta:
        model = Provider
        fields = [
            "slug", "name", "kind", "columns", "areas", "regions", "languages", "capacity", "note", "confirmed",
            "mandate", "offers",
        ]  # fmt: skip
        extra_kwargs = {"confirmed": {"help_text": "false: an unconfirmed profile, not yet confirmed by the provider"}}

    def get_capacity(self, obj) -> int | None:
        """Always null: capacity is stated per offer (`capacity` and `capacity_period` of each offer)."""
        return None

    def get_mandate(self, obj) -> Mandate | None:
        """The treaty the organisation holds the mandate for (CWC, BWC, NPT, 1540), or null."""
        return obj.mandate or None

    def get_offers(self, obj) -> list[int]:
        """The ids of its current offers: published and valid today."""
        return [offer.pk for offer in obj.current_offers]  # prefetched by ProviderViewSet

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


class ReasonsField(serializers.ListField):
    """A match's reasons as sentences in the language of the API request (they are stored
    language-neutral: assistance/reasons.py)."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(), source="*", **kwargs)

    def to_representation(self, match):
        request = match.request if Match.request.is_cached(match) else None
        return reason_texts(match.reasons, area=request.area if request is not None and request.area_id else None)


class MatchSerializer(serializers.Serializer):
    provider = serializers.CharField(source="provider.slug")
    provider_name = serializers.CharField(source="provider.name")
    provider_confirmed = serializers.BooleanField(
        source="provider.confirmed", help_text="false: the provider's profile is not yet confirmed by the provider"
    )
    score = serializers.FloatField(allow_null=True, help_text="null for readers outside the request")
    reasons = ReasonsField(help_text="empty for readers outside the request")
    assigned_by_expert = serializers.BooleanField()
    supporting = serializers.SerializerMethodField()
    offer = serializers.IntegerField(
        source="offer_id", allow_null=True, help_text="the offer matched; null for an expert's assignment without one"
    )
    offer_title = serializers.SerializerMethodField()

    def get_supporting(self, obj) -> bool:
        return obj.supporting_since is not None

    def get_offer_title(self, obj) -> str | None:
        """The matched offer's title; null when the match has no offer."""
        return obj.offer.title if obj.offer_id else None


class ProgressSerializer(serializers.Serializer):
    provider = serializers.CharField(source="provider.slug")
    note = serializers.CharField()
    language = LanguageField(help_text="the language the note is written in")
    created_at = serializers.DateTimeField()


class RequestSerializer(serializers.ModelSerializer):
    """An assistance request as the contract gives it; expects the prefetching of RequestViewSet."""

    state = serializers.CharField(source="state.iso3")
    area = serializers.CharField(source="area.code", allow_null=True, help_text="null in a draft that has no area yet")
    needs = NeedSerializer(many=True, source="needs.all")
    preferred_providers = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    approached_providers = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    matches = MatchSerializer(many=True, source="matches.all")
    claimed_by = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True, allow_null=True)
    plan_item = serializers.SerializerMethodField()

    class Meta:
        model = AssistanceRequest
        fields = [
            "id", "state", "status", "area", "columns", "assistance_type", "title", "needs", "beneficiary_agencies",
            "timeline", "language", "preferred_providers", "approached_providers", "contact_person",
            "consent_to_publish", "matches", "claimed_by", "delivery_summary", "feedback_rating",
            "feedback_comment", "created_at", "submitted_at", "routed_at", "claimed_at", "delivered_at", "closed_at",
            "withdrawn_at", "escalated_at", "from_offer", "first_response_at", "plan_item",
        ]  # fmt: skip
        extra_kwargs = {
            "from_offer": {"help_text": 'the offer the State started from ("request this"), or null'},
            "first_response_at": {"help_text": "when a provider first wrote about the request, or null"},
        }

    def get_plan_item(self, obj) -> int | None:
        """The id of the action plan item the request was started from (in the latest plan version the
        reader may see), or null."""
        items = getattr(obj, "visible_plan_items", [])  # prefetched by RequestViewSet
        return items[0].pk if items else None

    def to_representation(self, obj):
        """Readers outside the request (the public, other States, providers it was not routed to) see
        what the public page shows: the private fields come blank, match scores and reasons too."""
        data = super().to_representation(obj)
        if not services.is_party(self.context["request"].user, obj):
            data.update(PRIVATE_REQUEST_FIELDS)
            for match in data["matches"]:
                match.update(score=None, reasons=[])
            if "progress" in data:
                data["progress"] = []
        return data


# What readers outside a request get instead of its private fields (docs/architecture.md: Assistance).
PRIVATE_REQUEST_FIELDS = {
    "preferred_providers": [],
    "approached_providers": [],
    "from_offer": None,  # like the preferred providers: whom the State had in mind
    "contact_person": "",
    "feedback_rating": None,
    "feedback_comment": "",
    "created_at": None,
    "escalated_at": None,
}


class RequestDetailSerializer(RequestSerializer):
    progress = ProgressSerializer(many=True, source="progress.all")

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "progress"]


class ActiveProviderSerializer(serializers.Serializer):
    slug = serializers.CharField()
    provider = serializers.CharField(help_text="the provider's name")
    areas = serializers.ListField(child=serializers.CharField(), help_text="the areas it leads or supports")


class NeedCellInput(StrictSerializer):
    matrix = StrictIntegerField(help_text="id of a matrix version of the State")
    row = TextField(max_length=60)
    column = serializers.ChoiceField(choices=CellColumn.choices)
    aspect = serializers.ChoiceField(choices=Aspect.choices, default=Aspect.FRAMEWORK)


class NeedInput(StrictSerializer):
    description = TextField(max_length=MAX_TEXT)
    cells = NeedCellInput(many=True, required=False, max_length=100)


class RequestInput(StrictSerializer):
    """The assistance template. Checked here for types, then by the services (the web form's rules)."""

    state = TextField(help_text="ISO alpha-3; defaults to the official's State", required=False, max_length=3)
    area = TextField(
        help_text="an area code from the reference data, e.g. LEGISLATION; required to submit",
        required=False, allow_blank=True, allow_null=True, max_length=40,
    )  # fmt: skip
    columns = serializers.ListField(
        child=serializers.ChoiceField(choices=Column.choices), help_text="required to submit", required=False,
        max_length=len(Column.choices),
    )  # fmt: skip
    assistance_type = serializers.ChoiceField(
        choices=AssistanceType.choices, help_text="required to submit", required=False, allow_blank=True
    )
    title = TextField(max_length=200)
    needs = NeedInput(many=True, help_text="at least one to submit", required=False, max_length=services.MAX_NEEDS)
    beneficiary_agencies = TextField(required=False, allow_blank=True, max_length=MAX_TEXT)
    timeline = TextField(required=False, allow_blank=True, max_length=200)
    language = serializers.ChoiceField(choices=services.LANGUAGES, required=False)
    preferred_providers = serializers.ListField(child=TextField(max_length=60), required=False, max_length=50)
    approached_providers = serializers.ListField(child=TextField(max_length=60), required=False, max_length=50)
    contact_person = TextField(required=False, allow_blank=True, max_length=200)
    consent_to_publish = StrictBooleanField(required=False, help_text="a JSON boolean; false unless given")
    from_offer = StrictIntegerField(
        required=False, allow_null=True, help_text="id of the published offer the request starts from, or null"
    )


class DeliverInput(StrictSerializer):
    summary = TextField(max_length=MAX_TEXT)


class FeedbackInput(StrictSerializer):
    rating = StrictIntegerField(min_value=1, max_value=5)
    comment = TextField(required=False, allow_blank=True, max_length=MAX_TEXT)


class ProgressInput(StrictSerializer):
    note = TextField(max_length=MAX_TEXT)
    language = LanguageField(
        required=False, help_text="the language the note is written in; by default the caller's interface language"
    )


class AssignInput(StrictSerializer):
    provider = TextField(help_text="provider slug", max_length=60)


# ---------------------------------------------------------------------------------------------
# Offers


@extend_schema_field({"$ref": "#/components/schemas/AssistanceTypeEnum"})
class AssistanceTypeChoice(serializers.ChoiceField):
    """A type of assistance: in the schema, the enum of a request's `assistance_type`."""

    def __init__(self, **kwargs):
        super().__init__(choices=AssistanceType.choices, **kwargs)


@extend_schema_field({"$ref": "#/components/schemas/LanguageEnum"})
class LanguageChoice(serializers.ChoiceField):
    """A language code: in the schema, the enum of a request's `language`."""

    def __init__(self, **kwargs):
        super().__init__(choices=services.LANGUAGES, **kwargs)


class OfferEligibilitySerializer(serializers.Serializer):
    regions = serializers.ListField(child=serializers.CharField(), help_text="UN regional group names")
    organizations = serializers.ListField(child=serializers.CharField(), help_text="regional organisation codes")
    states = serializers.ListField(child=serializers.CharField(), help_text="ISO alpha-3 codes")
    excluded_organizations = serializers.ListField(
        child=serializers.CharField(),
        help_text="codes of regional organisations whose members may not receive it (a programme for partners)",
    )


class OfferSerializer(serializers.Serializer):
    """What a provider offers: the unit requests are matched on. `confirmed` false: drafted on the
    provider's behalf (from public information, or by a Committee expert), not yet confirmed by it."""

    id = serializers.IntegerField()
    provider = serializers.CharField(help_text="provider slug")
    provider_name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    language = LanguageField(
        help_text="the language the title and description are written in (not the languages it works in)"
    )
    areas = serializers.ListField(child=serializers.CharField(), help_text="area codes")
    columns = serializers.ListField(child=serializers.ChoiceField(choices=Column.choices))
    assistance_types = serializers.ListField(child=AssistanceTypeChoice())
    languages = serializers.ListField(child=LanguageChoice())
    eligibility = OfferEligibilitySerializer(help_text="who may receive it; all lists empty: every State")
    mandate = serializers.ChoiceField(
        choices=Mandate.choices, allow_null=True, help_text="the treaty mandate it is offered under, or null"
    )
    capacity = serializers.IntegerField(allow_null=True, help_text="requests it can take per period; null: not stated")
    capacity_period = serializers.ChoiceField(choices=Offer.Period.choices)
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    contact = serializers.CharField()
    status = serializers.ChoiceField(choices=Offer.Status.choices)
    confirmed = serializers.BooleanField(help_text="false: an unconfirmed offer, not yet confirmed by the provider")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, offer):
        # The offer's provider, areas and eligibility come loaded (OfferViewSet's queryset).
        return super().to_representation(
            {
                **offer_services.as_data(offer),
                "id": offer.pk,
                "provider": offer.provider.slug,
                "provider_name": offer.provider.name,
                "confirmed": offer.confirmed,
                "created_at": offer.created_at,
                "updated_at": offer.updated_at,
            }
        )


class OfferEligibilityInput(StrictSerializer):
    regions = serializers.ListField(
        child=TextField(max_length=60), required=False, max_length=20, help_text="UN regional group names"
    )
    organizations = serializers.ListField(
        child=TextField(max_length=40), required=False, max_length=100, help_text="regional organisation codes"
    )
    states = serializers.ListField(
        child=TextField(max_length=3), required=False, max_length=250, help_text="ISO alpha-3 codes"
    )
    excluded_organizations = serializers.ListField(
        child=TextField(max_length=40), required=False, max_length=100,
        help_text="codes of regional organisations whose members may not receive it (a programme for partners)",
    )  # fmt: skip


class OfferInput(StrictSerializer):
    """An offer, checked here for types, then by the services (the web form's rules). On PATCH,
    the fields given are merged over the offer's current values."""

    provider = TextField(
        required=False, max_length=60,
        help_text="provider slug: an expert or administrator names it; provider staff offer for their own",
    )  # fmt: skip
    title = TextField(max_length=200)
    description = TextField(max_length=MAX_TEXT)
    language = LanguageField(
        required=False,
        help_text="the language the title and description are written in (not the languages it works in); "
        "by default the caller's interface language",
    )
    areas = serializers.ListField(
        child=TextField(max_length=40), max_length=50, help_text="area codes from the reference data, at least one"
    )
    columns = serializers.ListField(
        child=serializers.ChoiceField(choices=Column.choices), max_length=len(Column.choices), help_text="at least one"
    )
    assistance_types = serializers.ListField(
        child=AssistanceTypeChoice(), max_length=len(AssistanceType.choices), help_text="at least one"
    )
    languages = serializers.ListField(
        child=LanguageChoice(), max_length=len(services.LANGUAGES), help_text="at least one"
    )
    eligibility = OfferEligibilityInput(
        required=False, allow_null=True, help_text="who may receive it; omitted or all lists empty: every State"
    )
    mandate = serializers.ChoiceField(
        choices=Mandate.choices, required=False, allow_null=True, allow_blank=True,
        help_text="only the provider that holds the treaty's mandate may give it",
    )  # fmt: skip
    capacity = StrictIntegerField(
        required=False, allow_null=True, min_value=0, max_value=2**31 - 1,
        help_text="requests it can take per period (1 to 10000), or null",
    )  # fmt: skip
    capacity_period = serializers.ChoiceField(choices=Offer.Period.choices, required=False)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    contact = TextField(required=False, allow_blank=True, max_length=200)
    status = serializers.ChoiceField(
        choices=[Offer.Status.DRAFT, Offer.Status.PUBLISHED], required=False,
        help_text="published unless given; withdraw an offer with its withdraw action",
    )  # fmt: skip
