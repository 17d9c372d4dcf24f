"""Recovery's models, one module per area; all importable from `recovery.models`, where Django
and the migrations look for them."""

from recovery.models.improvements import Improvement, ImprovementLink, ImprovementNotice
from recovery.models.restitution import ApprovalLimit, Restitution
from recovery.models.settings import CannedMessage, SlaTarget
from recovery.models.tickets import (
    OPEN_STATES,
    Priority,
    State,
    Team,
    Ticket,
    TicketEvent,
    TicketItem,
)

__all__ = [
    "OPEN_STATES",
    "ApprovalLimit",
    "CannedMessage",
    "Improvement",
    "ImprovementLink",
    "ImprovementNotice",
    "Priority",
    "Restitution",
    "SlaTarget",
    "State",
    "Team",
    "Ticket",
    "TicketEvent",
    "TicketItem",
]
