"""What managers set for the workflow: canned messages per step and topic, and SLA targets."""

from django.db import models

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
