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
    page.get_by_role("link", name="Queue", exact=True).click()
    page.get_by_role("link", name="The parcel never arrived").click()

    # 1. Apology, from the delivery template (the ticket's main topic), edited before sending.
    apology = page.get_by_role("region", name="1. Apologise")
    expect(apology.get_by_label("Subject")).to_have_value("Sorry about your delivery")
    body = apology.get_by_label("Message to the customer")
    expect(body).to_contain_text("Dear Ann")
    body.fill(body.input_value() + "\nI have called the courier myself.")
    apology.get_by_role("button", name="Send apology").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Apologised")

    # 2. Reassurance: the cause and the fix are written once, in their fields, and the preview
    # shows them in the message as the agent types; a new improvement is proposed.
    reassure = page.get_by_role("region", name="2. Reassure: what caused it and what we changed")
    expect(reassure.get_by_label("Message to the customer")).to_contain_text("{{ cause }}")
    reassure.get_by_role("textbox", name="What caused it").fill(
        "the courier marked it delivered at the wrong address."
    )
    reassure.get_by_label("What was done so it will not happen again").fill(
        "drivers now photograph each delivery."
    )
    preview = page.get_by_test_id("preview-reassure")
    expect(preview).to_contain_text(
        "We have found what went wrong: the courier marked it delivered at the wrong address."
    )
    expect(preview).to_contain_text("drivers now photograph each delivery.")
    reassure.get_by_label("…or propose a new improvement").fill("Photo proof of delivery")
    reassure.get_by_role("button", name="Send reassurance").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Reassured")

    # 3. Restitution within the agent's limit, which the form shows beside the amount; the
    # currency starts at the shop's.
    offer = page.get_by_role("region", name="3. Give something back")
    expect(offer.get_by_label("Currency")).to_have_value("GBP")
    expect(offer.get_by_text("up to €60.00, £50.00, US$65.00 more")).to_be_visible()
    offer.get_by_label("Kind").select_option("voucher")
    offer.get_by_label("Amount").fill("15.00")
    expect(page.get_by_test_id("preview-offer-restitution")).to_contain_text(
        "we are giving you a voucher for £15.00"
    )
    offer.get_by_role("button", name="Offer").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Restitution offered")

    # Ctrl+Enter sends the form the cursor is in.
    page.get_by_label("Internal note").fill("Customer prefers texts.")
    page.get_by_label("Internal note").press("Control+Enter")
    expect(page.get_by_text("Note added.")).to_be_visible()
    page.get_by_role("region", name="Resolve").get_by_label("Note").fill("Voucher issued.")
    page.get_by_role("button", name="Mark resolved").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Resolved")
    expect(page.get_by_test_id("ticket-timeline")).to_contain_text("Note: Voucher issued.")
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
    assert "a voucher for £15.00" in mail.outbox[2].body
    assert "the courier marked it delivered at the wrong address." in mail.outbox[1].body
    expect(page.get_by_test_id("ticket-timeline")).to_contain_text("Restitution offered")
    assert (
        Ticket.objects.get().improvement_links.get().improvement.title == "Photo proof of delivery"
    )
