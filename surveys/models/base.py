"""What the feedback models share: triage's verdict (sentiment, severity, topics) and the
customer's segments as they were when the feedback arrived."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.models import Customer
from surveys.triage.lexicon import keyword_lines


def new_token() -> str:
    return secrets.token_urlsafe(32)


# Crockford's base 32: no I, L, O or U, so a reference read out on the phone is not misheard.
CASE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _crockford(length: int) -> str:
    """`length` random characters of CASE_ALPHABET, five random bits each (one call for the
    bits: a choice per character cost a batch of tickets seven calls each)."""
    bits = secrets.randbits(5 * length)
    return "".join(CASE_ALPHABET[(bits >> (5 * n)) & 31] for n in range(length))


def new_short_code() -> str:
    """The code of a survey's short link in a text message: ten characters (50 bits)."""
    return _crockford(10)


def new_case_number() -> str:
    """The reference a customer quotes for a case: "C-" and seven characters (35 bits)."""
    return "C-" + _crockford(7)


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


class Topic(models.Model):
    """A theme of feedback (delivery, billing...), found by its keywords. Managed in the admin."""

    name = models.CharField(max_length=60, unique=True)
    keywords = models.TextField(
        help_text=_("Words and phrases that mean this topic, one per line.")
    )
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        return keyword_lines(self.keywords)


class Triaged(models.Model):
    """What triage found in an item. Empty until the triage task has run."""

    sentiment = models.CharField(
        max_length=10, choices=Sentiment.choices, blank=True, db_index=True
    )
    polarity = models.FloatField(null=True, blank=True)
    severity = models.PositiveSmallIntegerField(
        choices=Severity.choices, null=True, blank=True, db_index=True
    )
    reasons = models.JSONField(default=list, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="%(class)ss")

    class Meta:
        abstract = True

    feedback_kind = ""

    @property
    def is_failure(self) -> bool:
        """Needs recovery: negative, or a complaint above the lowest severity (see failure_q)."""
        if self.sentiment == Sentiment.NEGATIVE:
            return True
        return self.feedback_kind == "complaint" and (self.severity or 0) > Severity.LOW

    @classmethod
    def failure_q(cls) -> Q:
        """is_failure as a query filter."""
        q = Q(sentiment=Sentiment.NEGATIVE)
        return q | Q(severity__gt=Severity.LOW) if cls.feedback_kind == "complaint" else q


SEGMENT_FIELDS = ("region", "age_band", "value_tier")


class SegmentColumns(models.Model):
    """A customer's region, age band and value tier, as columns (see SEGMENT_FIELDS)."""

    region = models.CharField(max_length=100, blank=True)
    age_band = models.CharField(max_length=10, blank=True)
    value_tier = models.CharField(max_length=10, blank=True)

    class Meta:
        abstract = True


class Segmented(SegmentColumns):
    """The customer's segments when the item arrived. Reports count the item there for good, so a
    profile edited later, or merged into another, does not rewrite past figures."""

    class Meta:
        abstract = True

    def take_segments(self, customer: Customer | None) -> None:
        for name in SEGMENT_FIELDS:
            setattr(self, name, getattr(customer, name, "") or "")
