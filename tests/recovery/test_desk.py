"""The agent's home: my tickets needing action (soonest due first), what is due soon, my
recovery rate and my first-response time this month."""

import pytest

from tests.factories import open_ticket, staff_user

pytestmark = pytest.mark.django_db


def test_the_agent_home_shows_my_desk(client, manager, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.urls import reverse

    from recovery.models import TicketEvent
    from recovery.selectors import agent_desk
    from recovery.services.workflow import ticket_apologise, ticket_close

    alex = staff_user("agent", username="alex")
    first = open_ticket(email="a@example.com", assignee=alex, priority=4)
    open_ticket(email="b@example.com", assignee=alex, priority=1)
    done = open_ticket(email="c@example.com", assignee=alex)
    ticket_apologise(ticket=first, actor=alex, subject="Sorry", body="Sorry.")
    # Answered two hours after opening; moved later rather than the opening earlier, so the
    # ticket stays in this month whatever the hour the test runs at (at 00:30 on the 1st,
    # two hours earlier is last month, which the desk rightly leaves out).
    TicketEvent.objects.filter(ticket=first, kind=TicketEvent.Kind.APOLOGISED).update(
        created_at=first.opened_at + timedelta(hours=2, minutes=1)
    )
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


def test_saved_views_with_counts_in_the_navigation(client, manager):
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from recovery.models import Ticket

    alex = staff_user("agent", username="alex")
    mine = open_ticket(email="a@example.com", assignee=alex)
    later = open_ticket(email="b@example.com")
    Ticket.objects.filter(pk=mine.pk).update(apology_due_at=timezone.now() - timedelta(hours=1))
    Ticket.objects.filter(pk=later.pk).update(apology_due_at=timezone.now() + timedelta(days=3))
    client.force_login(alex)
    page = client.get(reverse("staff:home")).content.decode()
    views = page[page.index('data-testid="saved-views"') :][:900]
    assert "Mine <span" in views and ">1</span>" in views and "Approvals" not in views
    due = client.get(reverse("recovery:queue"), {"sla": "due_today"})
    assert [t.pk for t in due.context["page_obj"]] == [mine.pk]  # late counts as due today
    client.force_login(manager)
    page = client.get(reverse("staff:home")).content.decode()
    assert "Approvals <span" in page


def test_column_headers_sort_the_queue(agent_client):
    from django.urls import reverse

    old = open_ticket(email="a@example.com", priority=1)
    new = open_ticket(email="b@example.com", priority=4)
    from datetime import timedelta

    from django.utils import timezone

    from recovery.models import Ticket

    Ticket.objects.filter(pk=old.pk).update(opened_at=timezone.now() - timedelta(days=2))
    first = agent_client.get(reverse("recovery:queue"))
    columns = first.context["columns"]
    assert columns["sla"]["sorted"] == "ascending"  # the default: next due first
    newest = agent_client.get(reverse("recovery:queue") + columns["opened"]["url"])
    assert [t.pk for t in newest.context["page_obj"]] == [new.pk, old.pk]
    assert newest.context["columns"]["opened"]["sorted"] == "descending"
    oldest_url = newest.context["columns"]["opened"]["url"]
    assert "sort=oldest" in oldest_url and "state=action" in oldest_url  # the filters stay
    oldest = agent_client.get(reverse("recovery:queue") + oldest_url)
    assert [t.pk for t in oldest.context["page_obj"]] == [old.pk, new.pk]
    assert 'aria-sort="ascending"' in oldest.content.decode()
