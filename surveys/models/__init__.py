"""The surveys app's models, one module per area; all importable from `surveys.models`, where
Django and the migrations look for them."""

from surveys.models.base import (
    SEGMENT_FIELDS,
    SegmentColumns,
    Segmented,
    Sentiment,
    Severity,
    Topic,
    Triaged,
    new_token,
)
from surveys.models.feedback import Answer, Complaint, ReceivedComplaint, Response
from surveys.models.imports import ImportJob, ImportRejection, SetAsideMail
from surveys.models.invitations import Event, Invitation, ReceivedAnswers
from surveys.models.rollups import FeedbackDay, TopicDay
from surveys.models.surveys import Question, Survey, TriggerRule

__all__ = [
    "SEGMENT_FIELDS",
    "Answer",
    "Complaint",
    "Event",
    "FeedbackDay",
    "ImportJob",
    "ImportRejection",
    "Invitation",
    "Question",
    "ReceivedAnswers",
    "ReceivedComplaint",
    "Response",
    "SegmentColumns",
    "Segmented",
    "Sentiment",
    "SetAsideMail",
    "Severity",
    "Survey",
    "Topic",
    "TopicDay",
    "Triaged",
    "TriggerRule",
    "new_token",
]
