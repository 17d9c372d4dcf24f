"""Recovery tickets: one per incident, linked to the feedback behind it, with an append-only log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from feedback_app.customers.models import Customer
from surveys.models import Complaint, Invitation, Response, Topic


class State(models.TextChoices):
    NEW = "new", "New"
    APOLOGISED = "apologised", "Apologised"
    REASSURED = "reassured", "Reassured"
    RESTITUTION_OFFERED = "restitution_offered", "Restitution offered"
    RESOLVED = "resolved", "Resolved"
    FOLLOW_UP_SENT = "follow_up_sent", "Follow-up sent"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"


OPEN_STATES = frozenset(State) - {State.CLOSED}


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class Team(models.Model):
    """A group of agents that works a share of the queue; its manager hears of SLA breaches."""

    name = models.CharField(max_length=100, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    state = models.CharField(max_length=20, choices=State.choices, default=State.NEW, db_index=True)
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, default=Priority.NORMAL, db_index=True
    )
    subject = models.CharField(max_length=200)
    # The order or case of the incident; a message about another reference is another incident.
    reference = models.CharField(max_length=100, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="tickets")
    # The topic triage weighed highest in the feedback that opened it: it chooses the words of
    # the messages (the canned message of that topic).
    main_topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    opened_at = models.DateTimeField(db_index=True)
    # SLA: when the apology and the resolution are due (business hours), and when each happened.
    apology_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    apologised_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    breached = models.BooleanField(
        default=False, db_index=True, help_text="An SLA target was missed."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # The "did we make it right?" invitation of the latest resolution, and the answer to it.
    follow_up = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recovered = models.BooleanField(null=True, blank=True)
    # For the retention report: from opening to the customer's next event or survey answer of
    # their own (not the follow-up). Kept by recovery.services.came_back.
    came_back_after = models.DurationField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "opened_at", "id"]
        indexes = [
            models.Index(fields=["customer", "state"]),
            models.Index(fields=["state", "-priority", "opened_at"], name="ticket_queue"),
            # The queue's default order, with the state to filter on without reading the row.
            models.Index(
                fields=["-priority", "opened_at", "id", "state"], name="ticket_queue_order"
            ),
        ]
        permissions = [
            ("skip_step", "Can skip a workflow step with a written reason"),
            ("approve_restitution", "Can approve or reject restitution above the agent limit"),
            ("see_reports", "Can see the manager dashboards and reports"),
        ]

    def __str__(self) -> str:
        return f"Ticket #{self.pk}: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("recovery:ticket", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def hold_reference(self) -> str:
        return f"recovery.ticket:{self.pk}"


class TicketItem(models.Model):
    """A response or complaint behind a ticket. An item belongs to one ticket at most."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="items")
    response = models.OneToOneField(
        Response, null=True, blank=True, on_delete=models.CASCADE, related_name="ticket_item"
    )
    complaint = models.OneToOneField(
        Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="ticket_item"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(response__isnull=False) & Q(complaint__isnull=True))
                | (Q(response__isnull=True) & Q(complaint__isnull=False)),
                name="ticket_item_is_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return str(self.response or self.complaint)

    @property
    def item(self):
        return self.response or self.complaint


class TicketEvent(models.Model):
    """Append-only log of a ticket: the timeline, the audit trail, the source of SLA figures.

    What each kind's `payload` holds (every step that messages the customer adds `message`,
    `subject`, `body`, `delivery` and `reason`, the message as sent):
    opened: priority, item {type, id}?, note? · item_attached: item {type, id} ·
    priority_raised: before, after · assigned: assignee?, team? (the new values) · note: text ·
    apologised: message... · reassured: cause, corrective_action, improvement, improvement_title,
    message... · restitution_requested: restitution, summary, why (the limit it is above) ·
    restitution_approved / _rejected / _withdrawn: restitution, reason ·
    restitution_offered: restitution, summary, message... · resolved: note, no_restitution_reason,
    follow_up (invitation id or null), follow_up_survey and follow_up_at (when it will go) or
    follow_up_missing (why none will) · follow_up_sent: invitation · follow_up_not_sent:
    invitation, reason · follow_up_answered: item {type, id}, sentiment · closed: reason,
    recovered · reopened: reason · skipped: step, reason · sla_breached: missed ("apology" or
    "resolution"), priority_before, priority_after.
    """

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        ITEM_ATTACHED = "item_attached", "Feedback attached"
        PRIORITY_RAISED = "priority_raised", "Priority raised"
        ASSIGNED = "assigned", "Assigned"
        NOTE = "note", "Note"
        APOLOGISED = "apologised", "Apologised"
        REASSURED = "reassured", "Reassured"
        RESTITUTION_REQUESTED = "restitution_requested", "Restitution requested"
        RESTITUTION_APPROVED = "restitution_approved", "Restitution approved"
        RESTITUTION_REJECTED = "restitution_rejected", "Restitution rejected"
        RESTITUTION_WITHDRAWN = "restitution_withdrawn", "Restitution withdrawn"
        RESTITUTION_OFFERED = "restitution_offered", "Restitution offered"
        RESOLVED = "resolved", "Resolved"
        FOLLOW_UP_SENT = "follow_up_sent", "Follow-up sent"
        FOLLOW_UP_NOT_SENT = "follow_up_not_sent", "Follow-up not sent"
        FOLLOW_UP_ANSWERED = "follow_up_answered", "Follow-up answered"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"
        SKIPPED = "skipped", "Step skipped"
        SLA_BREACHED = "sla_breached", "SLA missed"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    from_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"]),
            # The funnel asks "did this ticket ever reach that step?" once per ticket.
            models.Index(fields=["ticket", "kind"], name="ticket_event_kind"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind}"

    @property
    def label(self) -> str:
        return self.get_kind_display()


class Restitution(models.Model):
    """What we give back for the trouble. Money is Decimal, with its currency."""

    class Kind(models.TextChoices):
        REFUND = "refund", "Refund"
        CREDIT = "credit", "Account credit"
        VOUCHER = "voucher", "Voucher"
        REPLACEMENT = "replacement", "Replacement"
        GIFT = "gift", "Gift"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        GRANTED = "granted", "Granted"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    MONEY_KINDS = (Kind.REFUND, Kind.CREDIT, Kind.VOUCHER)

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="restitutions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    item = models.CharField(
        max_length=200, blank=True, help_text="For a replacement or gift: what."
    )
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    # The notice to the customer, written when offered and sent when granted.
    notice_subject = models.CharField(max_length=300, blank=True)
    notice_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="restitution_amount_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.summary

    @property
    def summary(self) -> str:
        if self.amount is not None:
            return f"{self.get_kind_display()} of {self.amount} {self.currency}"
        return f"{self.get_kind_display()}: {self.item}" if self.item else self.get_kind_display()


class ApprovalLimit(models.Model):
    """The most an agent may grant on their own, per currency; above it a manager approves.

    `agent_limit` is per ticket, in total (what was granted on it before counts); a
    `customer_limit` also caps what agents grant one customer over all their tickets in the
    last RESTITUTION_CUSTOMER_PERIOD_DAYS days.
    """

    currency = models.CharField(max_length=3, unique=True)
    agent_limit = models.DecimalField(
        max_digits=10, decimal_places=2, help_text="Per ticket, in total."
    )
    customer_limit = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Per customer over the rolling period, in total (blank: no such limit).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency"]

    def __str__(self) -> str:
        return f"{self.currency} {self.agent_limit}"


class CannedMessage(models.Model):
    """A message template for one step, chosen by topic (blank topic: the step's default).

    Written in Django's template language with {{ first_name }}, {{ their_words }} (the
    customer's own first words about it, never our ticket subject), {{ issue }} (the same, as
    "You told us: ..."), {{ reference }}, {{ company_name }} and {{ agent_name }}. The step's
    fields stay as slots in the draft and fill it when it is sent: {{ cause }} and
    {{ corrective_action }} (reassurance), {{ restitution }} and {{ note }} (restitution).
    """

    class Step(models.TextChoices):
        APOLOGY = "apology", "Apology"
        REASSURANCE = "reassurance", "Reassurance"
        RESTITUTION = "restitution", "Restitution notice"

    name = models.CharField(max_length=100)
    step = models.CharField(max_length=12, choices=Step.choices)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["step", "name"]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """Business hours allowed until the apology and until resolution, per priority."""

    priority = models.PositiveSmallIntegerField(choices=Priority.choices, unique=True)
    apology_hours = models.PositiveIntegerField()
    resolution_hours = models.PositiveIntegerField()

    class Meta:
        ordering = ["-priority"]

    def __str__(self) -> str:
        return (
            f"{self.get_priority_display()}: apology {self.apology_hours}h, "
            f"resolution {self.resolution_hours}h"
        )


class Improvement(models.Model):
    """What we change because customers asked ("we did"), linked to what they said."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        SHIPPED = "shipped", "Shipped"
        DECLINED = "declined", "Declined"

    title = models.CharField(max_length=200)
    customer_text = models.TextField(blank=True, help_text="What changed, written for customers.")
    description = models.TextField(blank=True, help_text="Internal notes.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvements",
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="improvements")
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    planned_for = models.DateField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    declined_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ImprovementLink(models.Model):
    """One "you said" behind an improvement: a ticket, a response or a complaint."""

    improvement = models.ForeignKey(Improvement, on_delete=models.CASCADE, related_name="links")
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="improvement_links"
    )
    response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(ticket__isnull=False) & Q(response__isnull=True) & Q(complaint__isnull=True)
                )
                | (Q(ticket__isnull=True) & Q(response__isnull=False) & Q(complaint__isnull=True))
                | (Q(ticket__isnull=True) & Q(response__isnull=True) & Q(complaint__isnull=False)),
                name="improvement_link_is_one_thing",
            ),
            models.UniqueConstraint(
                fields=["improvement", "ticket"], name="improvement_ticket_once"
            ),
            models.UniqueConstraint(
                fields=["improvement", "response"], name="improvement_response_once"
            ),
            models.UniqueConstraint(
                fields=["improvement", "complaint"], name="improvement_complaint_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.improvement} ← {self.ticket or self.response or self.complaint}"


class ImprovementNotice(models.Model):
    """The "you said, we did" message to one customer about one improvement: at most one each,
    however many of their items are linked, with its delivery as the outbox recorded it."""

    class Kind(models.TextChoices):
        SHIPPED = "shipped", "We did it"
        DECLINED = "declined", "Why not"

    improvement = models.ForeignKey(Improvement, on_delete=models.CASCADE, related_name="notices")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="improvement_notices"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    message = models.ForeignKey(
        "customers.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quote = models.CharField(
        max_length=300, blank=True, help_text="The customer's own words, quoted."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["improvement", "customer"], name="one_notice_per_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.improvement} → {self.customer}"

    @property
    def delivery(self) -> str:
        return self.message.status if self.message_id else "queued"
