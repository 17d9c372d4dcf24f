"""API shapes of the customer layer."""

from rest_framework import serializers

from feedback_app.core.api import fields as api_fields
from feedback_app.core.roles import is_person
from feedback_app.customers.identities import MAX_SOURCE_LENGTH
from feedback_app.customers.models import ContactPreference, Customer, Identity, TimelineEntry


class IdentitySerializer(api_fields.ModelSerializer):
    class Meta:
        model = Identity
        fields = ["id", "kind", "source", "value", "normalized", "created_at"]
        read_only_fields = ["id", "normalized", "created_at"]


class PreferenceSerializer(api_fields.ModelSerializer):
    class Meta:
        model = ContactPreference
        fields = ["channel", "allow_contact", "allow_solicitations", "source", "updated_at"]


class CustomerSerializer(api_fields.ModelSerializer):
    identities = IdentitySerializer(many=True, read_only=True)
    preferences = PreferenceSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "full_name",
            "preferred_channel",
            "language",
            "time_zone",
            "region",
            "age_band",
            "value_tier",
            "segments",
            "identities",
            "preferences",
            "merged_into",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "merged_into", "created_at", "updated_at"]

    def validate_segments(self, value):
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise serializers.ValidationError("Segments are an object of names to values.")
        if len(str(value)) > 4000:
            raise serializers.ValidationError("Segments are limited to 4000 characters.")
        return value


class CustomerResolveSerializer(serializers.Serializer):
    """Identities of an incoming person; at least one must be usable."""

    email = api_fields.CharField(required=False, allow_blank=True, max_length=320)
    phone = api_fields.CharField(required=False, allow_blank=True, max_length=64)
    external = serializers.DictField(
        child=api_fields.CharField(max_length=320),
        required=False,
        help_text='External ids by issuing system, for example {"shop": "C-1042"}.',
    )
    full_name = api_fields.CharField(required=False, allow_blank=True, max_length=200)
    verified = api_fields.BooleanField(
        required=False,
        default=False,
        help_text="True when your system checked these identities belong to one person (the "
        "customer signed in to their account). Only then is an identity we do not know yet "
        "added to the profile found by another; otherwise it is kept on a profile of its own "
        "and suggested to staff as a possible duplicate. Staff callers are always trusted.",
    )

    def validate_external(self, value):
        too_long = [source for source in value if len(source) > MAX_SOURCE_LENGTH]
        if too_long:
            raise serializers.ValidationError(
                f"An issuing system's name has at most {MAX_SOURCE_LENGTH} characters."
            )
        return value


def vouched(request, identities: dict) -> dict:
    """The identities to resolve, with `verified` set when the caller may vouch for them: staff
    always, a machine when it says so."""
    return {**identities, "verified": identities.get("verified", False) or is_person(request.user)}


class MergeSerializer(serializers.Serializer):
    into = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), help_text="The profile that survives."
    )
    reason = api_fields.CharField(max_length=2000, allow_blank=True, required=False, default="")


class TimelineEntrySerializer(api_fields.ModelSerializer):
    actor = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = TimelineEntry
        fields = ["id", "occurred_at", "kind", "channel", "title", "body", "actor", "data"]
