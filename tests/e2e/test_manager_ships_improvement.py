"""A manager ships an improvement; the customer who asked gets "you said, we did" by e-mail."""

import pytest
from playwright.sync_api import expect

from recovery.models import Ticket
from recovery.services.improvements import improvement_link, improvement_save
from recovery.services.workflow import ticket_close
from surveys.models import Topic
from surveys.services.complaints import complaint_submit
from tests.factories import PASSWORD, staff_user


@pytest.mark.django_db(transaction=True)
def test_manager_ships_and_the_customer_hears(page, smtp_server):
    manager = staff_user("manager", username="morgan", first_name="Morgan")
    complaint_submit(
        text="My parcel was left in the rain and got damaged",
        channel="web",
        email="ann@example.com",
        full_name="Ann Lee",
    )
    for ticket in Ticket.objects.all():
        ticket_close(ticket=ticket, actor=manager, reason="Refunded on the phone")
    improvement = improvement_save(
        actor=manager, title="Covered parcel lockers", topics=[Topic.objects.get(name="delivery")]
    )
    improvement_link(
        improvement=improvement, actor=manager, topic=Topic.objects.get(name="delivery")
    )

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("morgan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Improvements").click()
    page.get_by_role("link", name="Covered parcel lockers").click()
    page.get_by_label("What changed, as customers will read it").fill(
        "When you are out, parcels now go into a covered locker."
    )
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Ship and tell 1 customer").click()
    expect(page.get_by_test_id("improvement-status")).to_have_text("Shipped")
    expect(page.get_by_role("cell", name="sent")).to_be_visible()
    expect(page.get_by_text("Shipped: 1 customer told now.")).to_be_visible()
    assert asked == [
        "Ship \u201cCovered parcel lockers\u201d and tell 1 customer? Each gets one message; "
        "it cannot be taken back."
    ]

    (received,) = [  # besides the acknowledgement of the complaint
        m for m in smtp_server.messages if m["message"]["Subject"].startswith("You said")
    ]
    assert received["to"] == ["ann@example.com"]
    assert received["message"]["Subject"] == "You said, we did: Covered parcel lockers"
    text = received["message"].get_body(("plain",)).get_content()
    assert "Hello Ann," in text and "My parcel was left in the rain and got damaged" in text
    assert "parcels now go into a covered locker" in text

    page.goto("/we-did/")
    expect(page.get_by_role("heading", name="Covered parcel lockers")).to_be_visible()
    expect(page.get_by_text("Ann")).to_have_count(0)
