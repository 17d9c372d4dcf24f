"""Managers hear without asking: alerts when detractors or a topic rise above their usual level,
and the weekly digest; each once, to managers only, in the app and by e-mail."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from feedback_app.core.schedules import next_at
from feedback_app.customers.services.resolve import customer_resolve
from recovery.models import StaffNotice
from recovery.services.alerts import alerts_check, risen, weekly_digest
from surveys.services.building import question_add, survey_create, survey_publish
from surveys.services.complaints import complaint_submit
from surveys.services.responses import response_submit
from surveys.services.triage import complaint_triage

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def noon(days_ago: int) -> datetime:
    today = timezone.localdate()
    return datetime.combine(today - days_ago * DAY, time(12), timezone.get_current_timezone())


def test_the_usual_level():
    assert risen(3, [0] * 28)  # three where there are none: news
    assert not risen(2, [0] * 28)  # too few to matter
    assert not risen(7, [4, 6] * 14)  # within the usual spread (mean 5, deviation 1)
    assert risen(8, [4, 6] * 14)


@pytest.fixture
def nps_question():
    survey = survey_create(name="After delivery", purpose="after_delivery")
    question = question_add(survey=survey, kind="nps", prompt="Recommend us?")
    survey_publish(survey=survey)
    return survey, question


def answer(survey, question, n: int, score: int, days_ago: int):
    customer = customer_resolve(email=f"c{n}@example.com").customer
    response_submit(
        survey=survey,
        customer=customer,
        channel="web",
        submitted_at=noon(days_ago),
        answers={question.pk: score},
    )


def test_rising_detractors_alert_every_manager_once(
    nps_question, manager, agent, django_capture_on_commit_callbacks
):
    manager.email = "morgan@example.com"
    manager.save()
    survey, question = nps_question
    for n, days_ago in enumerate([3, 9, 15]):
        answer(survey, question, n, 2, days_ago)  # one now and then: usual
    for n in range(10, 14):
        answer(survey, question, n, 1, 1)  # four yesterday
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_check() == 1
    notice = StaffNotice.objects.get(kind="alert")
    assert notice.user == manager and notice.ticket is None
    assert (
        notice.text.startswith("Detractors rose on") and ": 4, against a usual 0.1" in notice.text
    )
    assert "sentiment=negative" in notice.link
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert alerts_check() == 0  # told already
    assert not StaffNotice.objects.filter(user=agent).exists()


def test_a_rising_topic_alerts(manager):
    for n in range(3):
        complaint = complaint_submit(
            text="The courier lost my parcel again.",
            channel="email",
            email=f"t{n}@example.com",
            received_at=noon(1),
        ).complaint
        complaint_triage(complaint_id=complaint.pk)
    alerts_check()
    texts = list(StaffNotice.objects.filter(kind="alert").values_list("text", flat=True))
    assert any(text.startswith("The topic “delivery” rose") for text in texts)


def test_quiet_days_alert_nobody(nps_question, manager):
    survey, question = nps_question
    answer(survey, question, 1, 2, 1)
    assert alerts_check() == 0


def test_weekly_digest(data, manager, django_capture_on_commit_callbacks):
    manager.email = "morgan@example.com"
    manager.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert weekly_digest(now=timezone.now() + 2 * DAY) == 1
    notice = StaffNotice.objects.get(kind="digest")
    assert "1 customer recovered" in notice.text and "overview" in notice.link
    body = mail.outbox[0].body
    assert "What came in" in body and "What we recovered" in body and "What we shipped" in body
    assert "- nothing this week" in body
    assert weekly_digest(now=timezone.now() + 2 * DAY) == 0  # once a week


def test_schedules_start_at_the_stated_hour():
    monday = next_at(7, 0, now=noon(0))
    assert monday.weekday() == 0 and monday.hour == 7 and monday > noon(0)
    assert next_at(6, now=noon(0)) - noon(0) == timedelta(hours=18)
