"""`PreparedRead`: a read compiled once gives what its queryset gives, one statement a call."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from feedback_app.core.prepared import PreparedRead
from surveys.models import Invitation, ReceivedAnswers
from tests.factories import delivered_invitation

pytestmark = pytest.mark.django_db


def _build(token):
    return (
        Invitation.objects.select_related("received")
        .only("token", "survey", "customer", "status", "expires_at", "received")
        .annotate(language=F("customer__language"), version=F("survey__updated_at"))
        .filter(token=token)
    )


READ = PreparedRead(_build)


def _fields(invitation):
    return {
        "pk": invitation.pk,
        "token": invitation.token,
        "survey_id": invitation.survey_id,
        "customer_id": invitation.customer_id,
        "status": invitation.status,
        "expires_at": invitation.expires_at,
        "language": invitation.language,
        "version": invitation.version,
    }


def test_the_object_is_the_querysets_with_or_without_its_related_row():
    invitation = delivered_invitation()
    with CaptureQueriesContext(connection) as captured:
        read = READ.get(invitation.token)
        with pytest.raises(ReceivedAnswers.DoesNotExist):  # known absent: no query to ask
            read.received  # noqa: B018
    assert len(captured.captured_queries) == 1
    assert _fields(read) == _fields(_build(invitation.token).get())
    assert read.expires_at.tzinfo is not None  # converted as the ORM converts it

    ReceivedAnswers.objects.create(invitation=invitation, answers={"1": 9}, partial=True)
    with CaptureQueriesContext(connection) as captured:
        read = READ.get(invitation.token)
        held = read.received
    assert len(captured.captured_queries) == 1
    assert held.answers == {"1": 9} and held.partial is True and held.pk == invitation.pk


def test_an_unknown_or_hostile_value_finds_nothing():
    delivered_invitation()
    assert READ.get("no-such-token") is None
    assert READ.get("x' OR '1'='1") is None  # a parameter, never SQL


def test_a_read_must_filter_on_its_value_once():
    lost = PreparedRead(lambda token: Invitation.objects.filter(token="fixed"))
    with pytest.raises(ValueError, match="exactly once"):
        lost.get("anything")
