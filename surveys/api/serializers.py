"""API shapes of the surveys app. Writes go through the services; these only parse and present."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from feedback_app.core.api import fields as api_fields
from feedback_app.customers.api.serializers import CustomerResolveSerializer
from feedback_app.customers.models import Channel, ContactChannel
from surveys.models import (
    Answer,
    Complaint,
    Event,
    Invitation,
    Question,
    Response,
    Survey,
    TriggerRule,
)
from surveys.services.building import SURVEY_FIELDS
from surveys.services.intake import client_key_shown

_SOURCE = {"type": "integer", "description": "An earlier question of the same survey."}


@extend_schema_field(
    {
        "description": "Show this question only when an earlier answer fits: a score from min to "
        "max (either may be left out), or any of some options, by their number in the question's "
        "list from 1. null: always shown. A question whose condition does not hold is never "
        "required, and an answer sent for it is not stored (surveys/logic.py).",
        "nullable": True,
        "oneOf": [
            {
                "type": "object",
                "properties": {
                    "question": _SOURCE,
                    "min": {"type": "integer", "minimum": 0, "maximum": 10},
                    "max": {"type": "integer", "minimum": 0, "maximum": 10},
                },
                "required": ["question"],
                "minProperties": 2,
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {
                    "question": _SOURCE,
                    "any_of": {
                        "type": "array",
                        "items": {"type": "integer", "minimum": 1, "maximum": 30},
                        "minItems": 1,
                        "maxItems": 30,
                    },
                },
                "required": ["question", "any_of"],
                "additionalProperties": False,
            },
        ],
        "example": {"question": 12, "min": 0, "max": 6},
    }
)
class ShowIfField(serializers.JSONField):
    """A question's condition, checked by the survey builder (surveys/logic.py)."""


# A web address as Django's URL check takes it (host labels, a top-level domain, a plain path);
# blank: no review link.
REVIEW_URL = (
    r"^$|^https?://[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?)*"
    r"\.[a-z]{2,10}(/[A-Za-z0-9._~%/?#=&+-]*)?$"
)


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 500,
        "pattern": REVIEW_URL,
        "description": "Promoters are invited to leave a public review at this address "
        "(blank: no link).",
        "example": "https://reviews.example/our-shop",
    }
)
class ReviewURLField(serializers.URLField):
    """The survey's public review link."""


class QuestionSerializer(api_fields.ModelSerializer):
    choices = serializers.ListField(
        child=api_fields.CharField(max_length=200), required=False, max_length=30
    )
    show_if = ShowIfField(required=False, allow_null=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "survey",
            "position",
            "kind",
            "prompt",
            "help_text",
            "required",
            "choices",
            "show_if",
        ]
        read_only_fields = ["id", "position"]


class QuestionUpdateSerializer(QuestionSerializer):
    class Meta(QuestionSerializer.Meta):
        read_only_fields = ["id", "position", "survey"]


class SurveySerializer(api_fields.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)
    review_url = ReviewURLField(max_length=500, required=False, allow_blank=True)
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = [
            "id",
            "status",
            *SURVEY_FIELDS,
            "public_url",
            "previous_version",
            "questions",
            "created_at",
        ]
        read_only_fields = ["id", "status", "previous_version", "created_at"]

    def get_public_url(self, survey) -> str | None:
        if not survey.public_link_enabled:
            return None
        return settings.SITE_URL + reverse("survey-public", args=[survey.public_token])


class TriggerRuleSerializer(api_fields.ModelSerializer):
    delay = serializers.DurationField(
        help_text=(
            "How long after the event the invitation goes out, from 0 to 365 days: ISO 8601 "
            '("P3D", "PT36H") or "DD HH:MM:SS" ("3 00:00:00").'
        )
    )
    channel = api_fields.ChoiceField(
        choices=[(ContactChannel.EMAIL.value, ContactChannel.EMAIL.label)],
        default=ContactChannel.EMAIL,
        help_text="Kept for older clients, always email: an invitation goes by the customer's "
        "preferred channel (e-mail or text message), or the other one when that cannot reach "
        "them; the invitation records which.",
    )

    b_delay = serializers.DurationField(
        required=False,
        allow_null=True,
        help_text="An A/B split: half the customers (chosen by customer) get this delay instead "
        "(null: the same as delay). Same format and range as delay.",
    )

    class Meta:
        model = TriggerRule
        fields = [
            "id",
            "event_type",
            "survey",
            "delay",
            "channel",
            "subject",
            "b_delay",
            "b_subject",
            "send_from",
            "send_until",
            "active",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class InvitationSerializer(api_fields.ModelSerializer):
    class Meta:
        model = Invitation
        fields = [
            "id",
            "survey",
            "customer",
            "event",
            "channel",
            "status",
            "reason",
            "scheduled_for",
            "sent_at",
            "reminded_at",
            "answered_at",
            "expires_at",
        ]


class EventSerializer(api_fields.ModelSerializer):
    invitations = InvitationSerializer(many=True, read_only=True)
    external_id = serializers.SerializerMethodField(help_text="The event_id you sent, if any.")

    class Meta:
        model = Event
        fields = [
            "id",
            "event_type",
            "customer",
            "occurred_at",
            "data",
            "channel",
            "external_id",
            "invitations",
        ]

    def get_external_id(self, event) -> str:
        return client_key_shown(event.external_id)


class EventCreateSerializer(serializers.Serializer):
    event_type = api_fields.CharField(max_length=60, help_text="For example order.delivered.")
    occurred_at = serializers.DateTimeField()
    customer = CustomerResolveSerializer(help_text="At least one usable identity.")
    data = serializers.DictField(
        required=False, default=dict, help_text="Free data: order, store..."
    )
    event_id = api_fields.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Your id for the event; a replay is ignored.",
    )


class AnswerSerializer(api_fields.ModelSerializer):
    value = serializers.SerializerMethodField()
    kind = api_fields.CharField(source="question.kind", read_only=True)

    class Meta:
        model = Answer
        fields = ["question", "kind", "value"]

    def get_value(self, answer) -> int | str | list[str]:
        if answer.number is not None:
            return answer.number
        if answer.question.kind == Question.Kind.MULTIPLE:
            return answer.choices
        if answer.choices:
            return answer.choices[0]
        return answer.text


TRIAGE_FIELDS = ["sentiment", "polarity", "severity", "topics", "reasons", "triaged_at"]


class ResponseSerializer(api_fields.ModelSerializer):
    answers = AnswerSerializer(many=True, read_only=True)
    topics = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Response
        fields = [
            "id",
            "survey",
            "customer",
            "invitation",
            "channel",
            "submitted_at",
            "received_at",
            "source_reference",
            "answers",
            *TRIAGE_FIELDS,
        ]


class AnswerInputSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    value = serializers.JSONField(
        help_text="A number for ratings, an option, a list of options, or text."
    )


class ResponseCreateSerializer(serializers.Serializer):
    survey = serializers.PrimaryKeyRelatedField(queryset=Survey.objects.all())
    answers = AnswerInputSerializer(many=True, allow_empty=False, max_length=200)
    customer = CustomerResolveSerializer(required=False, help_text="Who answered, if known.")
    channel = api_fields.ChoiceField(choices=Channel.choices, default=Channel.API)
    submitted_at = serializers.DateTimeField(required=False)
    idempotency_key = api_fields.CharField(max_length=100, required=False, allow_blank=True)
    source_reference = api_fields.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )

    def validate_answers(self, answers):
        questions = [a["question"] for a in answers]
        if len(questions) != len(set(questions)):
            raise serializers.ValidationError("Each question may be answered once.")
        return answers


class ComplaintSerializer(api_fields.ModelSerializer):
    topics = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "customer",
            "channel",
            "reference",
            "case_number",
            "subject",
            "text",
            "contact_name",
            "received_at",
            *TRIAGE_FIELDS,
        ]
        read_only_fields = ["case_number"]

    @extend_schema_field(serializers.ListField(child=api_fields.CharField()))
    def get_topics(self, complaint) -> list[str]:
        """The topics triage found (none until it has read the complaint)."""
        if complaint.triaged_at is None:
            return []  # known without asking the database
        return [topic.name for topic in complaint.topics.all()]


class ComplaintReceiptSerializer(serializers.Serializer):
    """Where a complaint accepted with `Prefer: respond-async` stands."""

    receipt = api_fields.CharField(
        help_text="The idempotency key you sent, or the one made for you when you sent none."
    )
    state = api_fields.ChoiceField(
        choices=[
            ("waiting", "accepted, not filed yet (normally a second or two)"),
            ("failing", "could not be filed yet; tried again every minute"),
            ("filed", "filed: `complaint` is the complaint"),
        ]
    )
    url = serializers.URLField(help_text="Where to ask again.")
    complaint = ComplaintSerializer(allow_null=True, help_text="Once filed.")


class ComplaintCreateSerializer(api_fields.FieldsMadeOnce, serializers.Serializer):
    customer = CustomerResolveSerializer(help_text="Who complains: at least one usable identity.")
    text = api_fields.CharField(
        min_length=1,
        max_length=Complaint.MAX_TEXT,
        trim_whitespace=False,  # stored as written; a text of spaces only is still refused
        help_text="What happened, in the customer's words.",
    )
    subject = api_fields.CharField(max_length=200, required=False, allow_blank=True, default="")
    reference = api_fields.CharField(max_length=100, required=False, allow_blank=True, default="")
    channel = api_fields.ChoiceField(choices=Channel.choices, default=Channel.API)
    received_at = serializers.DateTimeField(required=False)
    idempotency_key = api_fields.CharField(max_length=300, required=False, allow_blank=True)
