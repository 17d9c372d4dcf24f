"""Risky actions ask first: closing many tickets at once is confirmed in the browser, and a
"no" sends nothing."""

import pytest
from playwright.sync_api import expect

from recovery.models import State, Ticket
from tests.factories import PASSWORD, open_ticket, staff_user


@pytest.mark.django_db(transaction=True)
def test_bulk_close_asks_first(page):
    staff_user("agent", username="alex")
    ticket = open_ticket()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/staff/recovery/")
    page.locator("input[name=tickets]").first.check()
    page.get_by_label("With the selected").select_option("close")
    page.get_by_label("Reason (to close)").fill("Duplicate")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Apply").click()
    assert asked and asked[0].startswith("Close every selected ticket?")
    ticket.refresh_from_db()
    assert ticket.state == State.NEW  # "no" sent nothing
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("1 ticket updated.")).to_be_visible()
    assert Ticket.objects.get().state == State.CLOSED
