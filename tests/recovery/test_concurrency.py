"""Two agents press the same button on the same ticket at the same moment."""

import threading

import pytest
from django.db import connection

from feedback_app.errors import Conflict
from recovery import workflow
from recovery.models import State
from tests.factories import open_ticket, staff_user


@pytest.mark.django_db(transaction=True)
def test_one_wins_the_other_gets_a_clear_conflict():
    first, second = staff_user("agent"), staff_user("agent")
    ticket = open_ticket()
    barrier = threading.Barrier(2)
    outcomes = {}

    def act(agent):
        try:
            barrier.wait(timeout=10)
            workflow.ticket_apologise(
                ticket=ticket,
                actor=agent,
                subject="Sorry",
                body=f"Sorry, from {agent.username}",
                expected_state="new",
            )
            outcomes[agent.username] = "done"
        except Conflict as exc:
            outcomes[agent.username] = exc.message
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(agent,)) for agent in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values(), key=len)[0] == "done"
    loser = [message for message in outcomes.values() if message != "done"]
    assert len(loser) == 1 and "Someone else changed this ticket" in loser[0]
    ticket.refresh_from_db()
    assert ticket.state == State.APOLOGISED and ticket.events.filter(kind="apologised").count() == 1
