"""A "you said, we did" notice is a promise: held back by the quiet period or an open case, it
waits and goes once when first allowed, or expires with the reason after the limit."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from feedback_app.customers.services.holds import hold_place
from feedback_app.customers.services.resolve import customer_resolve
from recovery.models import ImprovementNotice, Ticket
from recovery.services.follow_up import recovery_sweep
from recovery.services.improvements import (
    improvement_link,
    improvement_save,
    improvement_ship,
    notices_retry,
)
from recovery.services.workflow import ticket_close
from surveys.services.complaints import complaint_submit
from tests.factories import earlier_solicitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(django_capture_on_commit_callbacks):
    """Two customers asked for it; Ann had a survey invitation three days ago."""
    with django_capture_on_commit_callbacks(execute=True):
        ann = complaint_submit(
            text="Nobody told me the parcel would be late", channel="api", email="ann@example.com"
        ).complaint
        bob = complaint_submit(
            text="Tell me when my parcel is late", channel="api", email="bob@example.com"
        ).complaint
        earlier_solicitation(ann.customer, days_ago=3)
    for ticket in Ticket.objects.all():  # their cases are closed: no hold
        ticket_close(ticket=ticket, actor=None, reason="Handled by phone")
    mail.outbox.clear()
    return ann, bob


@pytest.fixture
def shipped(asked, manager, django_capture_on_commit_callbacks):
    def ship(**extra):
        improvement = improvement_save(
            actor=manager, title="Late parcel alerts", customer_text="We now text you."
        )
        improvement_link(improvement=improvement, actor=manager, complaints=[c.pk for c in asked])
        with django_capture_on_commit_callbacks(execute=True):
            improvement_ship(improvement=improvement, actor=manager)
        return improvement

    return ship


def ann_notice(improvement):
    return improvement.notices.get(customer__identities__normalized="ann@example.com")


def test_a_fix_shipped_inside_the_quiet_period_is_told_exactly_once_after_it(
    shipped, settings, django_capture_on_commit_callbacks
):
    settings.CONTACT_QUIET_PERIOD_DAYS = 14
    improvement = shipped()
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]
    notice = ann_notice(improvement)
    assert notice.delivery == "waiting" and notice.why.startswith("quiet period")
    ends = notice.next_try_at
    assert timedelta(days=10) < ends - timezone.now() < timedelta(days=11, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert notices_retry(now=ends - timedelta(minutes=1)) == 0
        assert recovery_sweep(now=ends + timedelta(minutes=1))["notices"] == 1
        assert recovery_sweep(now=ends + timedelta(minutes=2))["notices"] == 0
        assert notices_retry(now=ends + timedelta(days=1)) == 0
    assert [m.to for m in mail.outbox] == [["bob@example.com"], ["ann@example.com"]]
    notice.refresh_from_db()
    assert notice.delivery == "sent" and notice.why == ""


def test_a_notice_the_policy_never_allows_in_time_expires_with_the_reason(shipped, settings):
    settings.CONTACT_QUIET_PERIOD_DAYS = 14
    settings.IMPROVEMENT_NOTICE_WAIT_DAYS = 60
    ann = customer_resolve(email="ann@example.com").customer
    hold_place(customer=ann, reference="elsewhere", reason="a legal dispute is open")
    improvement = shipped()
    notice = ann_notice(improvement)
    assert notice.delivery == "waiting"
    assert notices_retry(now=timezone.now() + timedelta(days=59)) == 0
    notices_retry(now=timezone.now() + timedelta(days=61))
    notice.refresh_from_db()
    assert notice.delivery == "expired" and notice.next_try_at is None
    assert notice.why.startswith("not allowed within 60 days: on hold: a legal dispute is open")
    assert len(mail.outbox) == 1  # only Bob


def test_every_count_says_told_only_for_a_delivered_notice(
    shipped, manager, manager_client, api_client, settings
):
    settings.CONTACT_QUIET_PERIOD_DAYS = 14
    improvement = shipped()
    listing = manager_client.get(reverse("recovery:improvements")).content.decode()
    assert '>1 <span class="small text-secondary">(+1 waiting)</span>' in listing
    report = manager_client.get(reverse("recovery:loop-report"))
    (outcome,) = report.context["outcomes"]
    assert (outcome.told, outcome.waiting, outcome.suppressed) == (1, 1, 0)
    api_client.force_authenticate(manager)
    rows = api_client.get(f"/api/v1/improvements/{improvement.pk}/deliveries/").json()
    by_delivery = {row["delivery"]: row for row in rows["results"]}
    assert set(by_delivery) == {"sent", "waiting"}
    assert by_delivery["waiting"]["reason"].startswith("quiet period")
    assert by_delivery["waiting"]["next_try_at"]


def test_the_ship_page_says_who_is_told_now_and_who_later(
    asked, manager, manager_client, settings, django_capture_on_commit_callbacks
):
    settings.CONTACT_QUIET_PERIOD_DAYS = 14
    improvement = improvement_save(actor=manager, title="Late parcel alerts")
    improvement_link(improvement=improvement, actor=manager, complaints=[c.pk for c in asked])
    with django_capture_on_commit_callbacks(execute=True):
        page = manager_client.post(
            reverse("recovery:improvement", args=[improvement.pk]),
            {"action": "ship", "customer_text": "We now text you."},
            follow=True,
        )
    text = page.content.decode()
    assert "Shipped: 1 customer told now; 1 customer told later, when our contact rules" in text
    assert "Each customer who asked is being told" not in text
    assert ImprovementNotice.objects.filter(status="waiting").count() == 1
