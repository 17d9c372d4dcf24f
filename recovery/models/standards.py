"""The experience we promise, and how we test it: standards managers write (each measured from
the data where a measure fits, and by mystery shoppers), and the shoppers' visits, scored per
standard with notes."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.models import Channel


class ExperienceStandard(models.Model):
    """One promise to customers, in the manager's words ("every detractor hears from us within
    one business day"), with the measure the app computes for it and the target it must reach.
    A standard without a measure is tested by mystery shoppers only."""

    class Measure(models.TextChoices):
        DETRACTOR_CONTACT = (
            "detractor_contact",
            _("Detractors contacted within one business day (%)"),
        )
        APOLOGY_FIRST = "apology_first", _("Apology before any restitution (%)")
        APOLOGY_IN_SLA = "apology_in_sla", _("Apology within its SLA (%)")
        TOLD_WHAT_CHANGED = "told_what_changed", _("Customers who asked told what changed (%)")
        RECOVERY_RATE = "recovery_rate", _("Customers who said we made it right (%)")
        NPS = "nps", _("NPS (-100 to 100)")

    promise = models.CharField(
        max_length=200, help_text=_("What we promise, as customers read it.")
    )
    measure = models.CharField(
        max_length=20,
        choices=Measure.choices,
        blank=True,
        help_text=_("How the app measures it from the data (blank: mystery shoppers only)."),
    )
    target = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
        help_text=_("The figure the measure must reach (a percentage, or an NPS)."),
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.promise


class MysteryVisit(models.Model):
    """A mystery shopper's visit (a complaint filed, a call made, a survey answered as a
    customer would), scored against every standard it tested."""

    visited_on = models.DateField(default=timezone.localdate)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    shopper = models.CharField(max_length=100, help_text=_("Who visited (a name or an agency)."))
    summary = models.TextField(blank=True, help_text=_("What happened, in a few lines."))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on} · {self.get_channel_display()} · {self.shopper}"


class MysteryScore(models.Model):
    """How one visit scored on one standard."""

    class Result(models.IntegerChoices):
        MET = 100, _("Met")
        PARTLY = 50, _("Partly met")
        MISSED = 0, _("Missed")

    visit = models.ForeignKey(MysteryVisit, on_delete=models.CASCADE, related_name="scores")
    standard = models.ForeignKey(
        ExperienceStandard, on_delete=models.CASCADE, related_name="mystery_scores"
    )
    result = models.PositiveSmallIntegerField(choices=Result.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["standard__position", "standard_id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "standard"], name="one_score_per_standard")
        ]

    def __str__(self) -> str:
        return f"{self.standard}: {self.get_result_display()}"
