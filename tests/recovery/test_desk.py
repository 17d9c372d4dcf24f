"""The agent's home: my tickets needing action (soonest due first), what is due soon, my
recovery rate and my first-response time this month."""

import pytest

from tests.factories import open_ticket, staff_user

pytestmark = pytest.mark.django_db


def test_the_agent_home_shows_my_desk(client, manager, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from recovery.models import Ticket
    from recovery.selectors import agent_desk
    from recovery.services.workflow import ticket_apologise, ticket_close

    alex = staff_user("agent", username="alex")
    first = open_ticket(email="a@example.com", assignee=alex, priority=4)
    open_ticket(email="b@example.com", assignee=alex, priority=1)
    done = open_ticket(email="c@example.com", assignee=alex)
    Ticket.objects.filter(pk=first.pk).update(opened_at=timezone.now() - timedelta(hours=2))
    ticket_apologise(ticket=first, actor=alex, subject="Sorry", body="Sorry.")
    ticket_close(ticket=done, actor=alex, reason="sorted", recovered=True)
    desk = agent_desk(user=alex)
    assert desk.mine_count == 2 and desk.mine[0] == first
    assert (desk.recovered, desk.answered, desk.recovery_rate) == (1, 1, 100.0)
    assert desk.responded == 1 and timedelta(hours=2) <= desk.first_response < timedelta(hours=3)
    client.force_login(alex)
    page = client.get(reverse("staff:home")).content.decode()
    assert 'data-testid="desk"' in page and "100.0%" in page and "2 hours" in page
    client.force_login(staff_user("integration"))  # not a person: no desk (and no page)
    assert client.get(reverse("staff:home")).status_code == 403
