"""Tickets: one per incident, with their states, the feedback behind them and the append-only
log."""

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.merge_rules import MOVE
from feedback_app.customers.models import Customer
from surveys.models import Complaint, Invitation, Response, Topic
from surveys.models.base import new_case_number, new_token


class State(models.TextChoices):
    NEW = "new", _("New")
    APOLOGISED = "apologised", _("Apologised")
    REASSURED = "reassured", _("Reassured")
    RESTITUTION_OFFERED = "restitution_offered", _("Restitution offered")
    RESOLVED = "resolved", _("Resolved")
    FOLLOW_UP_SENT = "follow_up_sent", _("Follow-up sent")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


OPEN_STATES = frozenset(State) - {State.CLOSED}

# When a ticket is next due: the apology's due time until it was sent, then the resolution's
# until resolved, then none. The queue's default order and the "Due today" count read it from
# an index on this very expression (Ticket.Meta: ticket_next_due), so it is defined once, here.
NEXT_DUE = Case(
    When(apologised_at__isnull=True, then=F("apology_due_at")),
    When(resolved_at__isnull=True, then=F("resolution_due_at")),
    default=Value(None),
)


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


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

    class AssignBy(models.TextChoices):
        NOBODY = "nobody", _("Nobody: the team picks from its queue")
        ROUND_ROBIN = "round_robin", _("Each available member in turn")
        LEAST_OPEN = "least_open", _("The available member with the fewest open tickets")

    assign_by = models.CharField(
        max_length=12, choices=AssignBy.choices, default=AssignBy.LEAST_OPEN
    )
    # Round robin's place: the member who got the team's last ticket.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    CUSTOMER_MERGE = MOVE
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
        db_index=False,  # ticket_assignee_state begins with it
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
        default=False, db_index=True, help_text=_("An SLA target was missed.")
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # The "did we make it right?" invitation of the latest resolution, and the answer to it.
    follow_up = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recovered = models.BooleanField(null=True, blank=True)
    # The customer's side: the reference they quote (the opening complaint's, else its own) and
    # the unguessable token of their case page, /case/<token>/.
    case_number = models.CharField(max_length=12, unique=True, default=new_case_number)
    case_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # Since when the customer's last message waits for our answer (none: nothing waits).
    customer_waiting_since = models.DateTimeField(null=True, blank=True, db_index=True)
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
            # The queue's default order (next due first; none due last) and the count of what
            # is due today, with the state to filter on without reading the row.
            models.Index(NEXT_DUE, F("priority").desc(), "id", "state", name="ticket_next_due"),
            # "Mine": an agent's tickets in a state, counted from the index alone.
            models.Index(fields=["assignee", "state"], name="ticket_assignee_state"),
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
        return self.hold_reference_of(self.pk)

    @staticmethod
    def hold_reference_of(number) -> str:
        """The reference of the contact hold (and the thread of the messages) of ticket
        `number`."""
        return f"recovery.ticket:{number}"


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
    "resolution"), priority_before, priority_after · acknowledged: complaint, case_number,
    message... · replied: message..., files · customer_wrote: incoming, channel, text, files.
    """

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        ITEM_ATTACHED = "item_attached", _("Feedback attached")
        PRIORITY_RAISED = "priority_raised", _("Priority raised")
        ASSIGNED = "assigned", _("Assigned")
        NOTE = "note", _("Note")
        APOLOGISED = "apologised", _("Apologised")
        REASSURED = "reassured", _("Reassured")
        RESTITUTION_REQUESTED = "restitution_requested", _("Restitution requested")
        RESTITUTION_APPROVED = "restitution_approved", _("Restitution approved")
        RESTITUTION_REJECTED = "restitution_rejected", _("Restitution rejected")
        RESTITUTION_WITHDRAWN = "restitution_withdrawn", _("Restitution withdrawn")
        RESTITUTION_OFFERED = "restitution_offered", _("Restitution offered")
        RESOLVED = "resolved", _("Resolved")
        FOLLOW_UP_SENT = "follow_up_sent", _("Follow-up sent")
        FOLLOW_UP_NOT_SENT = "follow_up_not_sent", _("Follow-up not sent")
        FOLLOW_UP_ANSWERED = "follow_up_answered", _("Follow-up answered")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")
        SKIPPED = "skipped", _("Step skipped")
        SLA_BREACHED = "sla_breached", _("SLA missed")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        REPLIED = "replied", _("Replied")
        CUSTOMER_WROTE = "customer_wrote", _("Customer wrote")

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
