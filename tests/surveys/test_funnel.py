"""What works, measured: the funnel from invitation to answer, A/B splits of a trigger rule, and
the answer page's progress reports (which link scanners cannot make)."""

import math
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from surveys.funnel import Row, Split, needed_per_arm, split_verdict, survey_funnel, two_proportions
from surveys.models import Invitation
from surveys.services.building import question_add
from surveys.services.invitations import event_record, invitation_send, trigger_rule_save
from surveys.services.responses import response_submit
from tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db


def test_the_two_proportion_test_and_the_sample_size():
    z, p = two_proportions(30, 100, 45, 100)
    assert math.isclose(z, 2.191, abs_tol=0.001) and math.isclose(p, 0.0285, abs_tol=0.0005)
    assert two_proportions(0, 0, 3, 10) is None and two_proportions(0, 10, 0, 10) is None
    assert needed_per_arm(0.30, 0.45) == 160 and needed_per_arm(0.3, 0.3) is None


def arms(a, b):
    return Row("A", sent=a[1], completed=a[0]), Row("B", sent=b[1], completed=b[0])


def test_a_winner_is_named_only_when_the_difference_is_clear():
    rule = SurveyFactory().trigger_rules.model(event_type="order.delivered")
    clear = split_verdict(Split(rule, *arms((30, 100), (45, 100))))
    assert clear.verdict.startswith("B completes more often: B 45.0% against 30.0%")
    assert "p = 0.0285" in clear.verdict and "A 30 of 100 sent, B 45 of 100" in clear.verdict
    few = split_verdict(Split(rule, *arms((2, 20), (12, 20))))  # p small, but under 30 an arm
    assert few.verdict.startswith("No clear difference yet") and few.p < 0.05
    unclear = split_verdict(Split(rule, *arms((30, 100), (33, 100))))
    assert "No clear difference yet" in unclear.verdict
    assert "sent in each arm would show a difference this size" in unclear.verdict
    worse = split_verdict(Split(rule, *arms((45, 100), (30, 100))))
    assert worse.verdict.startswith("A completes more often")
    assert "Not enough answers" in split_verdict(Split(rule, *arms((0, 0), (0, 0)))).verdict


@pytest.fixture
def survey():
    survey = SurveyFactory()
    question_add(survey=survey, kind="nps", prompt="Recommend us?")
    question_add(survey=survey, kind="text", prompt="Why?", required=False)
    return survey


def invite(email, when=None):
    return event_record(
        event_type="order.delivered",
        occurred_at=when or timezone.now() - timedelta(days=2),
        email=email,
        full_name="Ann Lee",
        data={"order": "A-7"},
    ).invitations


def test_a_split_rule_gives_each_customer_one_arm_with_its_delay_and_subject(
    survey, django_capture_on_commit_callbacks
):
    rule = trigger_rule_save(
        event_type="order.delivered",
        survey=survey,
        delay=timedelta(days=1),
        subject="{first_name}, how was {reference}?",
        b_delay=timedelta(hours=2),
        b_subject="Two minutes about {reference}?",
    )
    occurred = timezone.now() - timedelta(days=3)
    invitations = [invite(f"c{n}@example.com", occurred)[0] for n in range(40)]
    variants = {inv.variant for inv in invitations}
    assert variants == {"A", "B"}
    for inv in invitations:
        delay = timedelta(hours=2) if inv.variant == "B" else timedelta(days=1)
        assert inv.scheduled_for == occurred + delay
    again = invite("c0@example.com", occurred)[0]
    assert again.variant == invitations[0].variant  # the same customer, the same arm
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for inv in invitations[:6]:
            invitation_send(invitation_id=inv.pk)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    for inv in invitations[:6]:
        expected = "Two minutes about A-7?" if inv.variant == "B" else "Ann, how was A-7?"
        assert subjects[inv.customer.identities.get(kind="email").normalized] == expected
    assert rule.is_split


def test_b_must_differ_from_a(survey):
    from feedback_app.core.errors import DomainError

    with pytest.raises(DomainError, match="B is the same as A"):
        trigger_rule_save(
            event_type="order.delivered",
            survey=survey,
            delay=timedelta(days=1),
            b_delay=timedelta(days=1),
        )


def test_the_page_reports_progress_and_a_scanner_reports_nothing(client, survey):
    trigger_rule_save(event_type="order.delivered", survey=survey, delay=timedelta(0))
    (invitation,) = invite("ann@example.com")
    url = reverse("survey-answer", args=[invitation.token])
    client.get(url)  # a link scanner's GET
    invitation.refresh_from_db()
    assert invitation.opened_at is None and invitation.started_at is None
    assert client.post(url, {"progress": "opened"}).json() == {"recorded": True}
    assert client.post(url, {"progress": "opened"}).json() == {"recorded": False}
    assert client.post(url, {"progress": "reached", "position": "2"}).json()["recorded"]
    assert not client.post(url, {"progress": "reached", "position": "1"}).json()["recorded"]
    invitation.refresh_from_db()
    assert invitation.reached == 2 and invitation.started_at >= invitation.opened_at
    for bad in ({"progress": "clicked"}, {"progress": "reached", "position": "3"}):
        refused = client.post(url, bad)
        assert refused.status_code == 400 and refused.json()["detail"]
    assert client.post(url, {"progress": "reached"}).status_code == 400


def test_the_funnel_counts_each_stage_and_where_people_stopped(survey):
    trigger_rule_save(event_type="order.delivered", survey=survey, delay=timedelta(0))
    sent = timezone.now() - timedelta(days=1)
    invitations = [invite(f"c{n}@example.com")[0] for n in range(4)]
    suppressed, _unopened, stopped, answered = invitations
    Invitation.objects.filter(pk=suppressed.pk).update(
        status="suppressed", reason='quiet period: "Ann, how did we do?" went out on 1 Nov'
    )
    Invitation.objects.filter(pk__in=[i.pk for i in invitations[1:]]).update(
        status="sent", sent_at=sent
    )
    Invitation.objects.filter(pk=stopped.pk).update(opened_at=sent, started_at=sent, reached=1)
    answered.refresh_from_db()
    response_submit(
        survey=survey,
        invitation=answered,
        channel="web",
        answers={survey.questions.first().pk: 9},
        submitted_at=sent + timedelta(minutes=40),
    )
    funnel = survey_funnel(survey)
    total = funnel.total
    counts = (total.invited, total.suppressed, total.sent, total.clicked, total.started)
    assert counts == (4, 1, 3, 2, 2)
    assert total.completed == 1 and total.rate == 33.3 and total.median_text == "40 min"
    assert funnel.reasons == [("quiet period", 1)]  # without the particulars
    assert funnel.stopped == [("After 1. Recommend us?", 1)]
    assert [row.label for row in funnel.by_rule] == ["order.delivered, 0 h after"]
    assert [row.sent for row in funnel.by_hour] == [3] and len(funnel.by_weekday) == 1
    assert funnel.by_channel[0].label == "E-mail" and funnel.by_segment[0].label == "Standard"
    assert [(row.label, row.invited) for row in funnel.by_region] == [("(no region)", 4)]


def test_the_funnel_tab(manager_client, survey, django_assert_max_num_queries):
    trigger_rule_save(
        event_type="order.delivered",
        survey=survey,
        delay=timedelta(0),
        b_subject="Quick question",
    )
    for n in range(6):
        invite(f"c{n}@example.com")
    url = reverse("surveys:detail", args=[survey.pk])
    # The survey page's own reads and the navigation's counts, then the funnel's five: the
    # stages grouped by rule, channel and segment, by send hour and weekday, the suppression
    # reasons, the answered ones' times, the questions.
    with django_assert_max_num_queries(17):
        page = manager_client.get(url, {"tab": "funnel", "days": "30"})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="funnel-total"' in html
    assert "Not enough answers to compare yet" in html and "By trigger rule and A/B arm" in html
    assert '<option value="30" selected>' in html
    odd = manager_client.get(url, {"tab": "funnel", "days": "9" * 40})
    assert odd.status_code == 200 and '<option value="90" selected>' in odd.content.decode()


def test_send_hours_hold_an_invitation_until_they_open(survey):
    from datetime import datetime, time

    from feedback_app.core.errors import DomainError

    rule = trigger_rule_save(
        event_type="order.delivered",
        survey=survey,
        delay=timedelta(hours=1),
        send_from=time(9, 0),
        send_until=time(20, 0),
    )
    local = timezone.get_current_timezone()

    def due_after(hour):
        occurred = datetime(2026, 11, 10, hour, 30, tzinfo=local)
        return timezone.localtime(invite(f"h{hour}@example.com", occurred)[0].scheduled_for)

    assert (due_after(10).hour, due_after(10).minute) == (11, 30)  # within the hours
    early = due_after(5)  # due 06:30: waits for 09:00 the same day
    assert (early.day, early.hour, early.minute) == (10, 9, 0)
    late = due_after(20)  # due 21:30: waits for 09:00 the next day
    assert (late.day, late.hour, late.minute) == (11, 9, 0)
    for start, end in ((time(9), None), (time(20), time(9))):
        with pytest.raises(DomainError):
            trigger_rule_save(
                rule=rule,
                event_type="order.delivered",
                survey=survey,
                delay=timedelta(hours=1),
                send_from=start,
                send_until=end,
            )


def test_a_manager_sets_a_split_and_send_hours_on_the_rule_page(manager_client, survey):
    data = {
        "event_type": "order.delivered",
        "survey": survey.pk,
        "delay_days": "1",
        "delay_hours": "0",
        "subject": "How was {reference}?",
        "b_subject": "",
        "b_delay_days": "0",
        "b_delay_hours": "3",
        "send_from": "09:00",
        "send_until": "20:00",
        "active": "on",
    }
    refused = manager_client.post(reverse("surveys:rule-create"), {**data, "send_until": ""})
    assert refused.status_code == 400 and "Give both send hours" in refused.content.decode()
    assert manager_client.post(reverse("surveys:rule-create"), data).status_code == 302
    rule = survey.trigger_rules.get()
    assert rule.b_delay == timedelta(hours=3) and rule.is_split
    assert (rule.send_from.hour, rule.send_until.hour) == (9, 20)
    listing = manager_client.get(reverse("surveys:rules")).content.decode()
    assert "sent 09:00\u201320:00" in listing and "A/B" in listing
