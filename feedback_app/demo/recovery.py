"""Demo recovery work: teams, and the open tickets walked through every stage of the workflow by
the same steps staff use, with a few improvements in every status."""

from django.contrib.auth import get_user_model

from recovery import canned
from recovery.models import Improvement, State, Team, Ticket
from recovery.services.assignment import ticket_assign, ticket_note
from recovery.services.follow_up import follow_up_answered
from recovery.services.improvements import (
    improvement_decline,
    improvement_link,
    improvement_save,
    improvement_ship,
)
from recovery.services.restitution import ticket_offer_restitution
from recovery.services.workflow import (
    ticket_apologise,
    ticket_close,
    ticket_reassure,
    ticket_resolve,
)
from surveys.models import Topic

IMPROVEMENTS = [
    (
        "Photo proof of delivery",
        "Our drivers now take a photo of every parcel where they leave it, and you get it by e-mail.",
        "shipped",
    ),
    (
        "Foam packaging for fragile items",
        "Glass and ceramics now ship in moulded foam.",
        "in_progress",
    ),
    ("Refunds within three working days", "", "planned"),
    ("Call-back instead of the hold queue", "", "proposed"),
    ("Weekend deliveries in rural areas", "", "declined"),
]
# (share of tickets, how far they get)
STAGES = [
    (0.15, "new"),
    (0.12, "apologised"),
    (0.13, "reassured"),
    (0.08, "pending"),
    (0.12, "restitution"),
    (0.10, "resolved"),
    (0.18, "recovered"),
    (0.06, "reopened"),
    (0.06, "duplicate"),
]


def load_recovery() -> int:
    if Team.objects.filter(name="Deliveries").exists():
        return Ticket.objects.count()
    User = get_user_model()
    manager = User.objects.get(username="manager")
    agents = list(User.objects.filter(username__in=["agent", "agent2"]).order_by("username"))
    teams = [
        Team.objects.create(name=name, manager=manager)
        for name in ("Deliveries", "Payments", "Stores")
    ]
    for team in teams:
        team.members.set(agents)
    delivery = Topic.objects.filter(name="delivery").first()
    improvements = [
        improvement_save(
            actor=manager,
            title=title,
            customer_text=text,
            owner=manager,
            status="in_progress" if status in ("shipped", "declined") else status,
            topics=[delivery] if delivery else [],
        )
        for title, text, status in IMPROVEMENTS
    ]
    live = improvements[:-1]  # the last one is declined below

    tickets = list(
        Ticket.objects.filter(state=State.NEW)
        .select_related("customer")
        .prefetch_related("topics")
        .order_by("pk")
    )
    boundaries, total = [], 0.0
    for share, stage in STAGES:
        total += share
        boundaries.append((total, stage))
    for n, ticket in enumerate(tickets):
        agent = agents[n % len(agents)]
        team = (
            teams[0]
            if any(t.name == "delivery" for t in ticket.topics.all())
            else teams[n % len(teams)]
        )
        ticket_assign(ticket=ticket, actor=manager, assignee=agent, team=team)
        position = n / max(1, len(tickets))
        stage = next(stage for limit, stage in boundaries if position < limit)
        _walk(ticket, stage, agent, manager, live[n % len(live)], n)
    # Close the loop: the first improvement ships and everyone who asked about deliveries is told
    # (under the contact policy: customers with open tickets are not told yet); the last is declined.
    if delivery:
        improvement_link(improvement=improvements[0], actor=manager, topic=delivery, days=90)
    improvement_ship(improvement=improvements[0], actor=manager)
    improvement_decline(
        improvement=improvements[-1],
        actor=manager,
        reason="Our courier cannot cover these routes at weekends yet.",
    )
    return Ticket.objects.count()


def _walk(ticket: Ticket, stage: str, agent, manager, improvement: Improvement, n: int) -> None:
    if stage == "new":
        return
    if stage == "duplicate":
        ticket_close(
            ticket=ticket, actor=agent, reason="Duplicate of another ticket for the same order."
        )
        return
    subject, body = canned.draft(ticket, "apology", agent=agent)
    ticket = ticket_apologise(ticket=ticket, actor=agent, subject=subject, body=body)
    if stage == "apologised":
        ticket_note(ticket=ticket, actor=agent, text="Waiting to hear back from the courier.")
        return
    cause = "the parcel was handed to the wrong courier depot."
    action = improvement.title.lower() + "."
    subject, body = canned.draft(ticket, "reassurance", agent=agent)
    ticket = ticket_reassure(
        ticket=ticket,
        actor=agent,
        subject=subject,
        body=body,
        cause=cause,
        corrective_action=action,
        improvement=improvement,
    )
    if stage == "reassured":
        return
    amount = "85.00" if stage == "pending" else ("10.00", "15.00", "20.00", "25.00")[n % 4]
    subject, body = canned.draft(ticket, "restitution", agent=agent)
    restitution = ticket_offer_restitution(
        ticket=ticket,
        actor=agent,
        kind="refund",
        amount=amount,
        currency="GBP",
        subject=subject,
        body=body,
    )
    if stage in ("pending", "restitution"):
        return
    ticket = ticket_resolve(ticket=restitution.ticket, actor=agent, note="Refund issued.")
    if stage == "resolved":
        return
    follow_up_answered(ticket=ticket, recovered=stage == "recovered", response_id=0)
