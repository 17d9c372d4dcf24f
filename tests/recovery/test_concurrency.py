"""Two agents press the same button on the same ticket at the same moment."""

import pytest

from feedback_app.core.errors import Conflict
from recovery.models import State
from recovery.services.workflow import ticket_apologise
from tests.concurrency import at_once
from tests.factories import open_ticket, staff_user


@pytest.mark.django_db(transaction=True)
def test_one_wins_the_other_gets_a_clear_conflict():
    first, second = staff_user("agent"), staff_user("agent")
    ticket = open_ticket()

    def act(agent):
        return lambda: ticket_apologise(
            ticket=ticket,
            actor=agent,
            subject="Sorry",
            body=f"Sorry, from {agent.username}",
            expected_state="new",
        )

    outcomes = at_once(act(first), act(second))
    done = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(done) == 1 and len(refused) == 1 and isinstance(refused[0], Conflict)
    assert "Someone else changed this ticket" in refused[0].message
    ticket.refresh_from_db()
    assert ticket.state == State.APOLOGISED and ticket.events.filter(kind="apologised").count() == 1
