"""An agent takes a ticket from new to closed: apology, reassurance, restitution, resolution."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from recovery.models import State, Ticket
from tests.factories import PASSWORD, open_ticket, staff_user


@pytest.mark.django_db(transaction=True)
def test_agent_works_a_ticket_from_new_to_closed(page):
    staff_user("agent", username="alex", first_name="Alex")
    ticket = open_ticket(subject="The parcel never arrived", topics=["delivery"])

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Queue").click()
    page.get_by_role("link", name="The parcel never arrived").click()

    # 1. Apology, from the delivery template, edited before sending.
    expect(page.get_by_label("Subject")).to_have_value("Sorry about your delivery")
    body = page.get_by_label("Message to the customer")
    expect(body).to_contain_text("Dear Ann")
    body.fill(body.input_value() + "\nI have called the courier myself.")
    page.get_by_role("button", name="Send apology").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Apologised")

    # 2. Reassurance: placeholders must be replaced; a new improvement is proposed.
    page.get_by_role("textbox", name="What caused it").fill(
        "The courier marked it delivered at the wrong address."
    )
    page.get_by_label("What was done so it will not happen again").fill(
        "Drivers now photograph each delivery."
    )
    page.get_by_label("…or propose a new improvement").fill("Photo proof of delivery")
    page.get_by_role("button", name="Send reassurance").click()
    expect(page.get_by_text("Replace [what caused it], [what we changed]")).to_be_visible()
    text = page.get_by_label("Message to the customer").input_value()
    page.get_by_label("Message to the customer").fill(
        text.replace(
            "[what caused it]", "the courier marked it delivered at the wrong address."
        ).replace("[what we changed]", "drivers now photograph each delivery.")
    )
    page.get_by_role("button", name="Send reassurance").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Reassured")

    # 3. Restitution within the agent's limit.
    page.get_by_label("Kind").select_option("voucher")
    page.get_by_label("Amount").fill("15.00")
    page.get_by_label("Currency").select_option("GBP")
    text = page.get_by_label("Message to the customer").input_value()
    page.get_by_label("Message to the customer").fill(
        text.replace("[what we give]", "a £15 voucher")
    )
    page.get_by_role("button", name="Offer").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Restitution offered")

    page.get_by_role("button", name="Mark resolved").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Resolved")
    page.get_by_role("button", name="Close ticket").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Closed")

    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert [m.subject for m in mail.outbox] == [
        "Sorry about your delivery",
        "What went wrong, and what we changed",
        "Something to make up for it",
    ]
    assert "I have called the courier myself." in mail.outbox[0].body
    assert "a £15 voucher" in mail.outbox[2].body
    expect(page.get_by_test_id("ticket-timeline")).to_contain_text("Restitution offered")
    assert (
        Ticket.objects.get().improvement_links.get().improvement.title == "Photo proof of delivery"
    )
