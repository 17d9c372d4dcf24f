"""API shapes of the recovery app. Steps take their own small bodies; nothing PATCHes a state."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

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


class TicketSerializer(serializers.ModelSerializer):
    topics = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    team = serializers.StringRelatedField()
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
    subject = serializers.CharField(max_length=200)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class StepSerializer(serializers.Serializer):
    expected_state = serializers.ChoiceField(
        choices=State.choices,
        required=False,
        help_text="The state you saw; a different one answers 409.",
    )


class MessageStepSerializer(StepSerializer):
    subject = serializers.CharField(max_length=300)
    body = serializers.CharField(max_length=20_000)


class ReassureSerializer(MessageStepSerializer):
    cause = serializers.CharField(max_length=2000)
    corrective_action = serializers.CharField(max_length=2000)
    improvement = serializers.PrimaryKeyRelatedField(
        queryset=Improvement.objects.all(), required=False, allow_null=True
    )
    new_improvement_title = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class RestitutionOfferSerializer(MessageStepSerializer):
    kind = serializers.ChoiceField(choices=Restitution.Kind.choices)
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, coerce_to_string=True
    )
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    item = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DecisionSerializer(serializers.Serializer):
    restitution = serializers.PrimaryKeyRelatedField(queryset=Restitution.objects.all())
    decision = serializers.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class WithdrawSerializer(serializers.Serializer):
    restitution = serializers.PrimaryKeyRelatedField(queryset=Restitution.objects.all())
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ResolveSerializer(StepSerializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    no_restitution_reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )


class ReasonSerializer(StepSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SkipSerializer(StepSerializer):
    step = serializers.ChoiceField(choices=[(s, s) for s in SKIPPABLE])
    reason = serializers.CharField(max_length=500)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.CharField(
        required=False, allow_null=True, help_text="Username; null clears."
    )
    team = serializers.CharField(
        required=False, allow_null=True, help_text="Team name; null clears."
    )


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class ReplySerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    body = serializers.CharField(max_length=20_000)


class FileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField(source="get_absolute_url")


class ConversationEntrySerializer(serializers.Serializer):
    """One message of the conversation. `direction`: out (to the customer), in (from them) or
    note (internal, never sent); `delivery` only for out."""

    direction = serializers.ChoiceField(choices=["out", "in", "note"])
    at = serializers.DateTimeField()
    subject = serializers.CharField()
    body = serializers.CharField()
    author = serializers.CharField()
    channel = serializers.CharField()
    delivery = serializers.CharField()
    reason = serializers.CharField()
    files = FileSerializer(many=True)


class TicketEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

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


class RestitutionSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

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


class ImprovementSerializer(serializers.ModelSerializer):
    topics = serializers.SlugRelatedField(
        slug_field="name", many=True, queryset=Topic.objects.all(), required=False
    )
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
    )
    link_count = serializers.IntegerField(read_only=True)
    notice_count = serializers.IntegerField(read_only=True)

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
    sentiment = serializers.ChoiceField(
        choices=Sentiment.choices,
        allow_blank=True,
        default="negative",
        help_text="Blank: any sentiment.",
    )
    preview = serializers.BooleanField(
        default=False, help_text="Only count what a topic filter would link."
    )


class ShipSerializer(serializers.Serializer):
    customer_text = serializers.CharField(max_length=2000, required=False)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    tell_customers = serializers.BooleanField(default=False)


class NoticeSerializer(serializers.ModelSerializer):
    """`delivery`: "sent" (told), "queued"/"sending", "suppressed" or "failed" (not told), or,
    before the outbox took it, "waiting" (with `next_try_at`, null: when the open case closes)
    or "expired"."""

    delivery = serializers.ChoiceField(
        choices=["queued", "sending", "sent", "suppressed", "failed", "waiting", "expired"],
        read_only=True,
    )
    reason = serializers.CharField(source="why", read_only=True)
    sent_at = serializers.DateTimeField(source="message.sent_at", read_only=True, default=None)

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
