"""What managers set for the workflow: canned messages per step and topic, and SLA targets."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.models import Channel, ValueTier
from recovery.models.tickets import Priority
from surveys.models import Topic


class CannedMessage(models.Model):
    """A message template for one step, chosen by topic (blank topic: the step's default).

    Written in Django's template language with {{ first_name }}, {{ their_words }} (the
    customer's own first words about it, never our ticket subject), {{ issue }} (the same, as
    "You told us: ..."), {{ reference }}, {{ company_name }} and {{ agent_name }}. The step's
    fields stay as slots in the draft and fill it when it is sent: {{ cause }} and
    {{ corrective_action }} (reassurance), {{ restitution }} and {{ note }} (restitution).
    """

    class Step(models.TextChoices):
        APOLOGY = "apology", _("Apology")
        REASSURANCE = "reassurance", _("Reassurance")
        RESTITUTION = "restitution", _("Restitution notice")

    name = models.CharField(max_length=100)
    step = models.CharField(max_length=12, choices=Step.choices)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # The subject and body in the other languages, {code: {"subject", "body"}} (English, the
    # fields above, is the text's own; feedback_app/core/translations.py).
    translations = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["step", "name"]

    TRANSLATED = ("subject", "body")

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


class RoutingRule(models.Model):
    """Which team gets a new ticket: the first active rule, by position, whose conditions all
    hold (a blank condition holds for every ticket). Kept by managers in the admin."""

    position = models.PositiveSmallIntegerField(default=0, help_text=_("Lower is tried first."))
    topic = models.ForeignKey(
        Topic,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The ticket's main topic."),
    )
    channel = models.CharField(
        max_length=10,
        choices=Channel.choices,
        blank=True,
        help_text=_("Where the feedback that opened it came from."),
    )
    value_tier = models.CharField(max_length=10, choices=ValueTier.choices, blank=True)
    min_priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, null=True, blank=True, help_text=_("This priority or higher.")
    )
    team = models.ForeignKey("recovery.Team", on_delete=models.CASCADE, related_name="rules")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Rule {self.position}: {self.conditions or 'every ticket'} \u2192 {self.team}"

    @property
    def conditions(self) -> str:
        parts = []
        if self.topic_id:
            parts.append(f"topic {self.topic}")
        if self.channel:
            parts.append(f"channel {self.get_channel_display().lower()}")
        if self.value_tier:
            parts.append(f"{self.get_value_tier_display()} customer")
        if self.min_priority:
            parts.append(f"priority {Priority(self.min_priority).label.lower()} or higher")
        return ", ".join(parts)
