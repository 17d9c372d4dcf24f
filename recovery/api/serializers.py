"""API shapes of the recovery app. Steps take their own small bodies; nothing PATCHes a state."""

from rest_framework import serializers

from feedback_app.customers.api.serializers import CustomerResolveSerializer
from recovery.models import Improvement, Priority, Restitution, State, Ticket, TicketEvent
from recovery.workflow import SKIPPABLE, allowed_steps


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
