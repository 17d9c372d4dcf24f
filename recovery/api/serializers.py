"""API shapes of the recovery app. Steps take their own small bodies; nothing PATCHes a state."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from feedback_app.core.api import fields as api_fields
from feedback_app.customers.api.serializers import CustomerResolveSerializer
from recovery.models import (
    Improvement,
    ImprovementNotice,
    Priority,
    Restitution,
    State,
    Ticket,
    TicketEvent,
)
from recovery.services.workflow import SKIPPABLE, allowed_steps
from surveys.models import Sentiment, Topic


class TicketSerializer(api_fields.ModelSerializer):
    topics = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username of who works the ticket; null while nobody does.",
    )
    team = serializers.StringRelatedField(
        allow_null=True, help_text="The team's name; null when no team holds it."
    )
    allowed_steps = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "customer",
            "state",
            "priority",
            "subject",
            "reference",
            "topics",
            "assignee",
            "team",
            "opened_at",
            "apology_due_at",
            "resolution_due_at",
            "apologised_at",
            "resolved_at",
            "breached",
            "closed_at",
            "recovered",
            "allowed_steps",
        ]

    def get_allowed_steps(self, ticket) -> list[str]:
        return allowed_steps(ticket.state)


class TicketCreateSerializer(serializers.Serializer):
    customer = CustomerResolveSerializer()
    subject = api_fields.CharField(max_length=200)
    reference = api_fields.CharField(max_length=100, required=False, allow_blank=True, default="")
    priority = api_fields.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    note = api_fields.CharField(max_length=5000, required=False, allow_blank=True, default="")


class StepSerializer(serializers.Serializer):
    expected_state = api_fields.ChoiceField(
        choices=State.choices,
        required=False,
        help_text="The state you saw; a different one answers 409.",
    )


class MessageStepSerializer(StepSerializer):
    subject = api_fields.CharField(max_length=300)
    body = api_fields.CharField(max_length=20_000)


class ReassureSerializer(MessageStepSerializer):
    cause = api_fields.CharField(max_length=2000)
    corrective_action = api_fields.CharField(max_length=2000)
    improvement = serializers.PrimaryKeyRelatedField(
        queryset=Improvement.objects.all(), required=False, allow_null=True
    )
    new_improvement_title = api_fields.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class RestitutionOfferSerializer(MessageStepSerializer):
    kind = api_fields.ChoiceField(choices=Restitution.Kind.choices)
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, coerce_to_string=True
    )
    currency = api_fields.CharField(max_length=3, required=False, allow_blank=True, default="")
    item = api_fields.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = api_fields.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DecisionSerializer(serializers.Serializer):
    restitution = serializers.PrimaryKeyRelatedField(queryset=Restitution.objects.all())
    decision = api_fields.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = api_fields.CharField(max_length=500, required=False, allow_blank=True, default="")


class WithdrawSerializer(serializers.Serializer):
    restitution = serializers.PrimaryKeyRelatedField(queryset=Restitution.objects.all())
    reason = api_fields.CharField(max_length=500, required=False, allow_blank=True, default="")


class ResolveSerializer(StepSerializer):
    note = api_fields.CharField(max_length=2000, required=False, allow_blank=True, default="")
    no_restitution_reason = api_fields.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )


class ReasonSerializer(StepSerializer):
    reason = api_fields.CharField(max_length=500, required=False, allow_blank=True, default="")


class SkipSerializer(StepSerializer):
    step = api_fields.ChoiceField(choices=[(s, s) for s in SKIPPABLE])
    reason = api_fields.CharField(max_length=500)


class AssignSerializer(serializers.Serializer):
    assignee = api_fields.CharField(
        required=False, allow_null=True, help_text="Username; null clears."
    )
    team = api_fields.CharField(
        required=False, allow_null=True, help_text="Team name; null clears."
    )


class NoteSerializer(serializers.Serializer):
    text = api_fields.CharField(max_length=5000)


class ReplySerializer(serializers.Serializer):
    subject = api_fields.CharField(max_length=300, required=False, default="", allow_blank=True)
    body = api_fields.CharField(max_length=20_000)


class FileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = api_fields.CharField()
    content_type = api_fields.CharField()
    size = serializers.IntegerField()
    url = api_fields.CharField(source="get_absolute_url")


class ConversationEntrySerializer(serializers.Serializer):
    """One message of the conversation. `direction`: out (to the customer), in (from them) or
    note (internal, never sent); `delivery` only for out."""

    direction = api_fields.ChoiceField(choices=["out", "in", "note"])
    at = serializers.DateTimeField()
    subject = api_fields.CharField()
    body = api_fields.CharField()
    author = api_fields.CharField()
    channel = api_fields.CharField()
    delivery = api_fields.CharField()
    reason = api_fields.CharField()
    files = FileSerializer(many=True)


class TicketEventSerializer(api_fields.ModelSerializer):
    actor = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username of who did it; null for the system.",
    )

    class Meta:
        model = TicketEvent
        fields = [
            "id",
            "ticket",
            "kind",
            "from_state",
            "to_state",
            "actor",
            "payload",
            "created_at",
        ]


class RestitutionSerializer(api_fields.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username of who approved or refused it; null until decided.",
    )

    class Meta:
        model = Restitution
        fields = [
            "id",
            "ticket",
            "kind",
            "amount",
            "currency",
            "item",
            "note",
            "status",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created_at",
        ]


class ImprovementSerializer(api_fields.ModelSerializer):
    topics = serializers.SlugRelatedField(
        slug_field="name", many=True, queryset=Topic.objects.all(), required=False
    )
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
    )
    # Annotated by the list query (the customers to be told, whatever became of each notice); a
    # just-created improvement has none of either.
    link_count = serializers.IntegerField(read_only=True, default=0)
    notice_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Improvement
        fields = [
            "id",
            "title",
            "customer_text",
            "description",
            "owner",
            "topics",
            "status",
            "planned_for",
            "created_at",
            "shipped_at",
            "declined_reason",
            "link_count",
            "notice_count",
        ]
        read_only_fields = ["id", "created_at", "shipped_at", "declined_reason"]


class LinkSerializer(serializers.Serializer):
    tickets = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=10_000
    )
    responses = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=10_000
    )
    complaints = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=10_000
    )
    topic = serializers.SlugRelatedField(
        slug_field="name", queryset=Topic.objects.all(), required=False, allow_null=True
    )
    days = serializers.IntegerField(min_value=1, max_value=3650, default=90)
    sentiment = api_fields.ChoiceField(
        choices=Sentiment.choices,
        allow_blank=True,
        default="negative",
        help_text="Blank: any sentiment.",
    )
    preview = api_fields.BooleanField(
        default=False, help_text="Only count what a topic filter would link."
    )


class ShipSerializer(serializers.Serializer):
    customer_text = api_fields.CharField(max_length=2000, required=False)


class DeclineSerializer(serializers.Serializer):
    reason = api_fields.CharField(max_length=2000)
    tell_customers = api_fields.BooleanField(default=False)


class NoticeSerializer(api_fields.ModelSerializer):
    """`delivery`: "sent" (told), "queued"/"sending", "suppressed" or "failed" (not told), or,
    before the outbox took it, "waiting" (with `next_try_at`, null: when the open case closes)
    or "expired"."""

    delivery = api_fields.ChoiceField(
        choices=["queued", "sending", "sent", "suppressed", "failed", "waiting", "expired"],
        read_only=True,
    )
    reason = api_fields.CharField(source="why", read_only=True)
    sent_at = serializers.DateTimeField(
        source="message.sent_at", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ImprovementNotice
        fields = [
            "id",
            "customer",
            "kind",
            "delivery",
            "reason",
            "next_try_at",
            "sent_at",
            "created_at",
        ]
