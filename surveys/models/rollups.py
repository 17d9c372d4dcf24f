"""The day tables the dashboards read: one row per day, channel and grain."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models.base import SEGMENT_FIELDS, SegmentColumns, Topic


class FeedbackDay(SegmentColumns):
    """One day's feedback added up, for the dashboards: counts and sums only, all additive.

    Each response or complaint is counted once in every *grain*: a set of at most two breakdowns
    out of survey, region, age band and value tier (a survey and one segment, or two segments),
    with the breakdowns outside the grain left blank. Day and channel are in every row. So any
    dashboard table with any one segment filter reads one grain's rows: a few per day, however
    many answers there are. Kept by surveys.services.rollups on submit and triage; rebuilt by
    `manage.py rebuild_rollups`.
    """

    day = models.DateField(help_text=_("Local date the item arrived."))
    channel = models.CharField(max_length=10)
    grain = models.CharField(max_length=40)
    survey_key = models.PositiveIntegerField(default=0, help_text=_("Survey id in survey grains."))
    # region, age_band, value_tier: blank outside the grain.
    # Every item once it arrives; sentiment and failures once triage has read it.
    items = models.IntegerField(default=0)
    responses = models.IntegerField(default=0)
    negative = models.IntegerField(default=0)
    neutral = models.IntegerField(default=0)
    positive = models.IntegerField(default=0)
    failures = models.IntegerField(default=0)
    # The score aggregates of surveys.selectors.SCORE_AGGREGATES.
    nps_n = models.IntegerField(default=0)
    promoters = models.IntegerField(default=0)
    detractors = models.IntegerField(default=0)
    csat_n = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    ces_n = models.IntegerField(default=0)
    ces_sum = models.IntegerField(default=0)

    KEY = ("day", "channel", "grain", "survey_key", *SEGMENT_FIELDS)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "grain", "survey_key", *SEGMENT_FIELDS],
                name="one_feedback_day_per_key",
            )
        ]
        indexes = [models.Index(fields=["grain", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.grain or 'all'}"


class TopicDay(SegmentColumns):
    """Mentions of a topic in one day's feedback, by channel and at most one segment (the grain)."""

    day = models.DateField()
    channel = models.CharField(max_length=10)
    grain = models.CharField(max_length=40)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="days")
    mentions = models.IntegerField(default=0)

    KEY = ("day", "channel", "grain", *SEGMENT_FIELDS, "topic_id")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "grain", *SEGMENT_FIELDS, "topic"],
                name="one_topic_day_per_key",
            )
        ]
        indexes = [models.Index(fields=["grain", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.topic_id}: {self.mentions}"
