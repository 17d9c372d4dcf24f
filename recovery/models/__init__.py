"""Recovery's models, one module per area; all importable from `recovery.models`, where Django
and the migrations look for them."""

from recovery.models.desk import Availability, StaffNotice
from recovery.models.improvements import Improvement, ImprovementLink, ImprovementNotice
from recovery.models.restitution import ApprovalLimit, Restitution
from recovery.models.settings import CannedMessage, RoutingRule, SlaTarget
from recovery.models.standards import ExperienceStandard, MysteryScore, MysteryVisit
from recovery.models.tickets import (
    NEXT_DUE,
    OPEN_STATES,
    Priority,
    State,
    Team,
    Ticket,
    TicketEvent,
    TicketItem,
)

__all__ = [
    "NEXT_DUE",
    "OPEN_STATES",
    "ApprovalLimit",
    "Availability",
    "CannedMessage",
    "ExperienceStandard",
    "Improvement",
    "ImprovementLink",
    "ImprovementNotice",
    "MysteryScore",
    "MysteryVisit",
    "Priority",
    "Restitution",
    "RoutingRule",
    "SlaTarget",
    "StaffNotice",
    "State",
    "Team",
    "Ticket",
    "TicketEvent",
    "TicketItem",
]
