"""The Django admin shows tickets and their record but changes none of it: every change to a
ticket goes through the ticket page or the API, which write its log (issue 17, item 9)."""

import pytest
from django.urls import reverse

from recovery.models import Restitution, Ticket, TicketEvent
from recovery.services.restitution import ticket_offer_restitution
from recovery.services.workflow import ticket_skip
from tests.factories import open_ticket

pytestmark = pytest.mark.django_db


def test_managers_read_tickets_in_the_admin_but_cannot_edit_or_delete_them(manager_client, manager):
    ticket = open_ticket()
    ticket_skip(ticket=ticket, actor=manager, step="apologise", reason="phone")
    ticket_skip(ticket=ticket, actor=manager, step="reassure", reason="phone")
    restitution = ticket_offer_restitution(
        ticket=ticket,
        actor=manager,
        kind="refund",
        amount="10",
        currency="GBP",
        subject="A refund",
        body="Here it is.",
    )
    change = reverse("admin:recovery_ticket_change", args=[ticket.pk])
    page = manager_client.get(change)
    assert page.status_code == 200 and "The parcel never arrived" in page.content.decode()
    edited = manager_client.post(change, {"subject": "Quietly renamed", "priority": 1})
    assert edited.status_code == 403
    ticket.refresh_from_db()
    assert ticket.subject == "The parcel never arrived"
    for name, obj in (
        ("admin:recovery_ticket_delete", ticket),
        ("admin:recovery_ticketevent_delete", ticket.events.first()),
        ("admin:recovery_restitution_delete", restitution),
    ):
        assert manager_client.post(reverse(name, args=[obj.pk]), {"post": "yes"}).status_code == 403
    bulk = manager_client.post(
        reverse("admin:recovery_ticket_changelist"),
        {"action": "delete_selected", "_selected_action": [ticket.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert TicketEvent.objects.filter(ticket=ticket).count() == 4
    assert Restitution.objects.filter(pk=restitution.pk).exists()
