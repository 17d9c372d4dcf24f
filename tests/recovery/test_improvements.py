"""Closing the loop: link what customers said, ship, tell each customer once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from feedback_app.core.errors import Conflict, DomainError, NotAllowed
from feedback_app.customers.services.holds import hold_place
from feedback_app.customers.services.merge import customer_merge
from feedback_app.customers.services.profile import preference_set
from feedback_app.customers.services.resolve import customer_resolve
from recovery.models import Improvement, ImprovementNotice, Ticket
from recovery.services.improvements import (
    improvement_decline,
    improvement_link,
    improvement_notify,
    improvement_save,
    improvement_ship,
    link_preview,
    notices_retry,
)
from recovery.services.workflow import ticket_close
from surveys.models import Complaint, Topic
from surveys.services.complaints import complaint_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def feedback(django_capture_on_commit_callbacks):
    """Delivery complaints from three customers (one of them twice), one billing complaint."""
    texts = [
        ("ann@example.com", "The parcel was left in the rain and nobody told me"),
        ("ann@example.com", "Again the courier was late and left my parcel outside"),
        ("bob@example.com", "Delivery was three days late"),
        ("cat@example.com", "My parcel never arrived"),
        ("dan@example.com", "I was charged twice"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for email, text in texts:
            complaint_submit(text=text, channel="web", email=email)
    # Their recovery tickets are done: the holds on "we did" notices are lifted.
    for ticket in Ticket.objects.all():
        ticket_close(ticket=ticket, actor=None, reason="Handled by phone")
    mail.outbox.clear()  # the acknowledgements of the complaints
    return Topic.objects.get(name="delivery")


@pytest.fixture
def improvement(manager):
    return improvement_save(
        actor=manager,
        title="Photo proof of delivery",
        customer_text="Drivers now photograph every parcel.",
    )


def ship_and_notify(improvement, manager, capture):
    with capture(execute=True):
        improvement_ship(improvement=improvement, actor=manager)


def test_link_by_topic_with_a_preview_first(feedback, improvement, manager):
    preview = link_preview(topic=feedback, days=90)
    assert preview == {"responses": 0, "complaints": 4, "customers": 3}
    added = improvement_link(improvement=improvement, actor=manager, topic=feedback, days=90)
    assert added["complaints"] == 4
    again = improvement_link(improvement=improvement, actor=manager, topic=feedback, days=90)
    assert again["complaints"] == 0 and improvement.links.count() == 4


def test_topic_filter_respects_the_window(feedback, improvement, manager):
    Complaint.objects.filter(text="My parcel never arrived").update(
        received_at=timezone.now() - timedelta(days=200)
    )
    assert link_preview(topic=feedback, days=90)["complaints"] == 3


def test_one_message_per_customer_personalised(
    feedback, improvement, manager, django_capture_on_commit_callbacks
):
    improvement_link(improvement=improvement, actor=manager, topic=feedback)
    ship_and_notify(improvement, manager, django_capture_on_commit_callbacks)
    notices = ImprovementNotice.objects.filter(improvement=improvement)
    assert notices.count() == 3  # Ann asked twice, she is told once
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == ["ann@example.com", "bob@example.com", "cat@example.com"]
    ann = by_address["ann@example.com"]
    assert ann.subject == "You said, we did: Photo proof of delivery"
    assert '"The parcel was left in the rain and nobody told me"' in ann.body
    assert "Drivers now photograph every parcel." in ann.body
    assert "List-Unsubscribe" in ann.extra_headers


def test_a_refusal_for_good_is_recorded_and_a_hold_makes_the_notice_wait(
    feedback, improvement, manager, django_capture_on_commit_callbacks
):
    bob = customer_resolve(email="bob@example.com").customer
    cat = customer_resolve(email="cat@example.com").customer
    preference_set(customer=bob, channel="email", allow_solicitations=False)
    hold_place(customer=cat, reference="test", reason="recovery ticket #9 is open")
    improvement_link(improvement=improvement, actor=manager, topic=feedback)
    ship_and_notify(improvement, manager, django_capture_on_commit_callbacks)
    deliveries = {
        n.customer.identities.first().normalized: (n.delivery, n.why)
        for n in improvement.notices.all()
    }
    assert deliveries["bob@example.com"] == (
        "suppressed",
        "customer opted out of surveys and notices by e-mail",
    )
    assert deliveries["cat@example.com"] == ("waiting", "on hold: recovery ticket #9 is open")
    assert deliveries["ann@example.com"][0] == "sent"


def test_shipping_again_or_retrying_sends_nothing_twice(
    feedback, improvement, manager, django_capture_on_commit_callbacks
):
    improvement_link(improvement=improvement, actor=manager, topic=feedback)
    ship_and_notify(improvement, manager, django_capture_on_commit_callbacks)
    with pytest.raises(Conflict, match="Already shipped"):
        improvement_ship(improvement=improvement, actor=manager)
    counts = improvement_notify(improvement_id=improvement.pk)
    assert counts == {"told": 0, "suppressed": 0, "waiting": 0, "already": 3}
    assert len(mail.outbox) == 3


def test_shipping_needs_customer_text_and_a_manager(improvement, manager, agent):
    improvement.customer_text = ""
    improvement.save()
    with pytest.raises(DomainError, match="Write what changed"):
        improvement_ship(improvement=improvement, actor=manager)
    with pytest.raises(NotAllowed):
        improvement_ship(improvement=improvement, actor=agent, customer_text="x")
    improvement.refresh_from_db()
    assert improvement.status == "proposed"


def test_linking_what_does_not_exist_links_nothing(improvement, manager, feedback):
    real = Complaint.objects.first()
    with pytest.raises(DomainError) as caught:
        improvement_link(improvement=improvement, actor=manager, complaints=[real.pk, 999999])
    assert caught.value.field == "complaints" and "999999" in caught.value.message
    assert improvement.links.count() == 0


def test_linking_an_item_of_a_merged_profile_is_refused(improvement, manager, feedback):
    complaint = Complaint.objects.first()
    other = customer_resolve(email="zed@example.com").customer
    survivor = complaint.customer
    customer_merge(source=other, target=survivor)
    # The items moved to the survivor: linking them works and reaches the survivor.
    improvement_link(improvement=improvement, actor=manager, complaints=[complaint.pk])
    # An item still pointing at a merged-away profile (data from before a merge) is refused.
    stale = complaint_submit(text="Late again", channel="web", email="yan@example.com").complaint
    yan = stale.customer
    customer_merge(source=yan, target=survivor)
    Complaint.objects.filter(pk=stale.pk).update(customer=yan)
    with pytest.raises(DomainError, match="merged profile"):
        improvement_link(improvement=improvement, actor=manager, complaints=[stale.pk])


def test_decline_and_explain(feedback, improvement, manager, django_capture_on_commit_callbacks):
    improvement_link(improvement=improvement, actor=manager, topic=feedback)
    with django_capture_on_commit_callbacks(execute=True):
        improvement_decline(
            improvement=improvement,
            actor=manager,
            reason="Our couriers cannot take photos yet.",
            tell_customers=True,
        )
    assert len(mail.outbox) == 3 and mail.outbox[0].subject.startswith("About your suggestion")
    assert "Our couriers cannot take photos yet." in mail.outbox[0].body
    with pytest.raises(Conflict):
        improvement_link(improvement=improvement, actor=manager, topic=feedback)


def test_status_cannot_be_set_to_shipped_by_editing(manager, improvement):
    with pytest.raises(DomainError, match="steps of their own"):
        improvement_save(
            actor=manager, improvement=improvement, title="x", status=Improvement.Status.SHIPPED
        )


def test_notices_reach_a_real_smtp_server(
    feedback, improvement, manager, smtp_server, django_capture_on_commit_callbacks
):
    improvement_link(improvement=improvement, actor=manager, topic=feedback)
    ship_and_notify(improvement, manager, django_capture_on_commit_callbacks)
    assert sorted(m["to"][0] for m in smtp_server.messages) == [
        "ann@example.com",
        "bob@example.com",
        "cat@example.com",
    ]
    html = smtp_server.messages[0]["message"].get_body(("html",)).get_content()
    assert "We listened, and we changed it" in html


def test_a_customer_with_an_open_ticket_is_told_when_it_closes(
    improvement, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint_submit(text="The courier was rude", channel="web", email="eve@example.com")
    improvement_link(
        improvement=improvement, actor=manager, topic=Topic.objects.get(name="delivery")
    )
    mail.outbox.clear()  # the acknowledgement
    ship_and_notify(improvement, manager, django_capture_on_commit_callbacks)
    notice = improvement.notices.get()
    assert notice.delivery == "waiting" and notice.why.startswith("on hold: recovery ticket")
    assert notice.next_try_at is None and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert notices_retry() == 0  # the case is still open
        ticket_close(ticket=Ticket.objects.get(), actor=manager, reason="Sorted by phone")
        assert notices_retry() == 1
        assert notices_retry() == 0
    notice.refresh_from_db()
    assert notice.delivery == "sent" and [m.to for m in mail.outbox] == [["eve@example.com"]]
