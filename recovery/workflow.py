"""The ticket workflow, declared once: the states, and which step leads from which state.

apology → reassurance → restitution → resolved → follow-up → closed, in that order. Every step is
one function here (added as the recovery work lands); each runs in a transaction, re-reads the
ticket with select_for_update, checks this table, writes a TicketEvent and returns the ticket.
"""

from django.db import models

from feedback_app.errors import Conflict


class State(models.TextChoices):
    NEW = "new", "New"
    APOLOGISED = "apologised", "Apologised"
    REASSURED = "reassured", "Reassured"
    RESTITUTION_OFFERED = "restitution_offered", "Restitution offered"
    RESOLVED = "resolved", "Resolved"
    FOLLOW_UP_SENT = "follow_up_sent", "Follow-up sent"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"


# step name → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "apologise": (frozenset({State.NEW, State.REOPENED}), State.APOLOGISED),
    "reassure": (frozenset({State.APOLOGISED}), State.REASSURED),
    "offer_restitution": (frozenset({State.REASSURED}), State.RESTITUTION_OFFERED),
    "resolve": (frozenset({State.RESTITUTION_OFFERED, State.REASSURED}), State.RESOLVED),
    "send_follow_up": (frozenset({State.RESOLVED}), State.FOLLOW_UP_SENT),
    "close": (frozenset({State.RESOLVED, State.FOLLOW_UP_SENT}), State.CLOSED),
    "reopen": (frozenset({State.RESOLVED, State.FOLLOW_UP_SENT, State.CLOSED}), State.REOPENED),
}
OPEN_STATES = frozenset(State) - {State.CLOSED}


class InvalidTransition(Conflict):
    """The step is not allowed from the ticket's state; `allowed` names the steps that are."""

    def __init__(self, step: str, state: str):
        allowed = allowed_steps(state)
        super().__init__(
            f"A ticket that is {State(state).label.lower()} cannot {step.replace('_', ' ')}; "
            f"next allowed: {', '.join(allowed) or 'nothing'}.",
            allowed=allowed,
        )


def allowed_steps(state: str) -> list[str]:
    return [step for step, (sources, _target) in TRANSITIONS.items() if state in sources]


def check(step: str, state: str) -> str:
    """The state `step` leads to from `state`, or InvalidTransition."""
    sources, target = TRANSITIONS[step]
    if state not in sources:
        raise InvalidTransition(step, state)
    return target
