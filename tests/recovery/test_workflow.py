"""The ticket workflow: every pair of state and step, the order, approvals, skips, conflicts."""

from decimal import Decimal

import pytest
from django.core import mail

from feedback_app.core.errors import Conflict, DomainError, NotAllowed
from recovery.models import ApprovalLimit, Improvement, Restitution, State, Ticket, TicketEvent
from recovery.services.messages import case_footer
from recovery.services.restitution import (
    restitution_decide,
    restitution_withdraw,
    ticket_offer_restitution,
)
from recovery.services.workflow import (
    TRANSITIONS,
    InvalidTransition,
    allowed_steps,
    ticket_apologise,
    ticket_close,
    ticket_follow_up_sent,
    ticket_reassure,
    ticket_reopen,
    ticket_resolve,
    ticket_skip,
)
from tests.factories import open_ticket, staff_user

pytestmark = pytest.mark.django_db

MESSAGE = {"subject": "About your order", "body": "We are sorry."}


def do(step, ticket, actor):
    """Run one step with valid arguments."""
    if step == "apologise":
        return ticket_apologise(ticket=ticket, actor=actor, **MESSAGE)
    if step == "reassure":
        return ticket_reassure(
            ticket=ticket,
            actor=actor,
            cause="A courier mix-up.",
            corrective_action="New courier checks.",
            new_improvement_title="Check courier scans",
            **MESSAGE,
        )
    if step == "offer_restitution":
        return ticket_offer_restitution(
            ticket=ticket, actor=actor, kind="voucher", amount="10.00", currency="GBP", **MESSAGE
        ).ticket
    if step == "resolve":
        return ticket_resolve(ticket=ticket, actor=actor, no_restitution_reason="Customer declined")
    if step == "send_follow_up":
        return ticket_follow_up_sent(ticket=ticket)
    if step == "close":
        return ticket_close(ticket=ticket, actor=actor, reason="Duplicate")
    if step == "reopen":
        return ticket_reopen(ticket=ticket, actor=actor, reason="Customer wrote again")
    raise AssertionError(step)


PAIRS = [(state, step) for state in State.values for step in TRANSITIONS]


@pytest.mark.parametrize("state,step", PAIRS)
def test_every_pair_of_state_and_step(state, step, agent):
    ticket = open_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(state=state)
    ticket.refresh_from_db()
    sources, target = TRANSITIONS[step]
    before = TicketEvent.objects.count()
    if state in sources:
        result = do(step, ticket, agent)
        result.refresh_from_db()
        assert result.state == target
        assert TicketEvent.objects.count() == before + 1
        event = TicketEvent.objects.latest("id")
        assert (event.from_state, event.to_state) == (state, target)
    else:
        with pytest.raises(InvalidTransition) as caught:
            do(step, ticket, agent)
        assert caught.value.details["allowed"] == allowed_steps(state)
        ticket.refresh_from_db()
        assert ticket.state == state and TicketEvent.objects.count() == before


def test_the_whole_way_in_order_with_messages(agent, django_capture_on_commit_callbacks):
    ticket = open_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        for step in ("apologise", "reassure", "offer_restitution", "resolve"):
            ticket = do(step, ticket, agent)
    ticket.refresh_from_db()
    assert ticket.state == State.RESOLVED and ticket.apologised_at and ticket.resolved_at
    assert [m.subject for m in mail.outbox] == ["About your order"] * 3
    assert list(ticket.events.values_list("kind", flat=True)) == [
        "opened",
        "apologised",
        "reassured",
        "restitution_offered",
        "resolved",
    ]
    apology = ticket.events.get(kind="apologised")
    sent = "We are sorry." + case_footer(ticket)  # every message ends with the case's link
    assert apology.payload["body"] == sent and apology.actor == agent
    assert ticket.customer.timeline.filter(kind="message.queued", body=sent).count() == 3


class TestOrder:
    def test_no_reassurance_before_the_apology(self, agent):
        with pytest.raises(InvalidTransition, match="next allowed: apologise"):
            do("reassure", open_ticket(), agent)

    def test_no_restitution_before_the_reassurance(self, agent):
        ticket = do("apologise", open_ticket(), agent)
        with pytest.raises(InvalidTransition):
            do("offer_restitution", ticket, agent)

    def test_resolve_without_restitution_needs_a_reason(self, agent):
        ticket = do("reassure", do("apologise", open_ticket(), agent), agent)
        with pytest.raises(DomainError, match="say why none is due"):
            ticket_resolve(ticket=ticket, actor=agent)
        ticket.refresh_from_db()
        assert ticket.state == State.REASSURED

    def test_closing_before_resolution_needs_a_reason(self, agent):
        with pytest.raises(DomainError, match="needs a reason"):
            ticket_close(ticket=open_ticket(), actor=agent)


class TestMessages:
    @pytest.mark.parametrize("field,value", [("body", "   "), ("subject", "")])
    def test_empty_apology_is_refused_and_nothing_changes(self, agent, field, value):
        ticket = open_ticket()
        with pytest.raises(DomainError):
            ticket_apologise(ticket=ticket, actor=agent, **{**MESSAGE, field: value})
        ticket.refresh_from_db()
        assert ticket.state == State.NEW and not ticket.events.filter(kind="apologised").exists()

    def test_reassurance_must_name_a_corrective_action_and_an_improvement(self, agent):
        ticket = do("apologise", open_ticket(), agent)
        with pytest.raises(DomainError, match="corrective action"):
            ticket_reassure(
                ticket=ticket,
                actor=agent,
                cause="x",
                corrective_action="",
                new_improvement_title="y",
                **MESSAGE,
            )
        with pytest.raises(DomainError, match="improvement"):
            ticket_reassure(ticket=ticket, actor=agent, cause="x", corrective_action="y", **MESSAGE)

    def test_reassurance_links_an_existing_improvement(self, agent):
        improvement = Improvement.objects.create(title="Photo on delivery")
        ticket = do("apologise", open_ticket(), agent)
        ticket_reassure(
            ticket=ticket,
            actor=agent,
            cause="Left at the wrong door.",
            corrective_action="Drivers now photograph the door.",
            improvement=improvement,
            **MESSAGE,
        )
        assert improvement.links.get().ticket == ticket

    def test_new_improvement_proposed_from_the_ticket(self, agent):
        ticket = do("reassure", do("apologise", open_ticket(topics=["delivery"]), agent), agent)
        improvement = Improvement.objects.get()
        assert improvement.status == "proposed" and improvement.owner == agent
        assert list(improvement.topics.values_list("name", flat=True)) == ["delivery"]
        assert ticket.improvement_links.get().improvement == improvement


class TestRestitution:
    @pytest.fixture
    def reassured(self, agent):
        return do("reassure", do("apologise", open_ticket(), agent), agent)

    def offer(self, ticket, actor, amount, **kwargs):
        return ticket_offer_restitution(
            ticket=ticket,
            actor=actor,
            kind=kwargs.pop("kind", "refund"),
            amount=amount,
            currency=kwargs.pop("currency", "GBP"),
            **MESSAGE,
            **kwargs,
        )

    @pytest.mark.parametrize(
        "amount,status", [("49.99", "granted"), ("50.00", "granted"), ("50.01", "pending")]
    )
    def test_agent_limit_below_at_and_above(self, reassured, agent, amount, status):
        assert ApprovalLimit.objects.get(currency="GBP").agent_limit == Decimal("50.00")
        restitution = self.offer(reassured, agent, amount)
        reassured.refresh_from_db()
        assert restitution.status == status and restitution.amount == Decimal(amount)
        assert reassured.state == (
            State.RESTITUTION_OFFERED if status == "granted" else State.REASSURED
        )

    def test_manager_grants_above_the_agent_limit(self, reassured, manager):
        assert self.offer(reassured, manager, "500.00").status == "granted"

    def test_manager_approves_and_the_customer_is_told(
        self, reassured, agent, manager, django_capture_on_commit_callbacks
    ):
        restitution = self.offer(reassured, agent, "80.00")
        assert mail.outbox == []
        with django_capture_on_commit_callbacks(execute=True):
            restitution_decide(restitution=restitution, actor=manager, approve=True)
        reassured.refresh_from_db()
        assert reassured.state == State.RESTITUTION_OFFERED and len(mail.outbox) == 1
        assert list(reassured.events.values_list("kind", flat=True))[-3:] == [
            "restitution_requested",
            "restitution_approved",
            "restitution_offered",
        ]

    def test_manager_rejects_with_a_reason(self, reassured, agent, manager):
        restitution = self.offer(reassured, agent, "80.00")
        with pytest.raises(DomainError, match="why"):
            restitution_decide(restitution=restitution, actor=manager, approve=False)
        restitution_decide(
            restitution=restitution,
            actor=manager,
            approve=False,
            reason="Too much for a late parcel",
        )
        restitution.refresh_from_db()
        reassured.refresh_from_db()
        assert restitution.status == "rejected" and reassured.state == State.REASSURED
        assert (
            self.offer(reassured, agent, "20.00").status == "granted"
        )  # another offer is possible

    def test_approval_by_someone_without_the_right(self, reassured, agent):
        restitution = self.offer(reassured, agent, "80.00")
        with pytest.raises(NotAllowed):
            restitution_decide(restitution=restitution, actor=staff_user("agent"), approve=True)
        restitution.refresh_from_db()
        assert restitution.status == "pending"

    def test_deciding_twice(self, reassured, agent, manager):
        restitution = self.offer(reassured, agent, "80.00")
        restitution_decide(restitution=restitution, actor=manager, approve=True)
        with pytest.raises(Conflict, match="already granted"):
            restitution_decide(restitution=restitution, actor=manager, approve=False, reason="x")

    def test_the_agent_limit_holds_for_the_ticket_in_total(self, reassured, agent):
        assert self.offer(reassured, agent, "50.00").status == "granted"
        ticket = do("resolve", Ticket.objects.get(pk=reassured.pk), agent)
        ticket = ticket_reopen(ticket=ticket, actor=agent, reason="Wrote again")
        ticket = do("reassure", do("apologise", ticket, agent), agent)
        again = self.offer(ticket, agent, "10.00")
        assert again.status == "pending"
        requested = ticket.events.get(kind="restitution_requested")
        assert "GBP 60.00 on this ticket in total" in requested.payload["why"]

    def test_what_is_granted_in_another_currency_or_rejected_does_not_count(
        self, reassured, agent, manager
    ):
        ApprovalLimit.objects.update_or_create(currency="EUR", defaults={"agent_limit": 50})
        rejected = self.offer(reassured, agent, "80.00")
        restitution_decide(restitution=rejected, actor=manager, approve=False, reason="No")
        assert self.offer(reassured, agent, "50.00", currency="EUR").status == "granted"

    def test_a_customer_limit_caps_what_agents_grant_over_the_period(self, agent, settings):
        ApprovalLimit.objects.filter(currency="GBP").update(customer_limit=Decimal("60.00"))
        first = do("reassure", do("apologise", open_ticket(), agent), agent)
        assert self.offer(first, agent, "40.00").status == "granted"
        second = do("reassure", do("apologise", open_ticket(reference="A-2"), agent), agent)
        assert second.customer == first.customer
        assert self.offer(second, agent, "30.00").status == "pending"
        # Outside the rolling period the earlier grant no longer counts.
        Restitution.objects.filter(status="pending").update(status="withdrawn")
        settings.RESTITUTION_CUSTOMER_PERIOD_DAYS = 0
        assert self.offer(second, agent, "30.00").status == "granted"

    @pytest.mark.parametrize("finish", ["resolve", "close"])
    def test_a_pending_request_blocks_resolving_and_closing_until_withdrawn(
        self, reassured, agent, manager, finish
    ):
        pending = self.offer(reassured, agent, "80.00")
        with pytest.raises(Conflict, match="decided or withdrawn"):
            do(finish, Ticket.objects.get(pk=reassured.pk), agent)
        reassured.refresh_from_db()
        assert reassured.state == State.REASSURED
        restitution_withdraw(restitution=pending, actor=agent, reason="Customer declined")
        pending.refresh_from_db()
        assert pending.status == "withdrawn"
        assert reassured.events.filter(kind="restitution_withdrawn").exists()
        with pytest.raises(Conflict, match="already withdrawn"):
            restitution_decide(restitution=pending, actor=manager, approve=True)
        finished = do(finish, Ticket.objects.get(pk=reassured.pk), agent)
        assert finished.state == (State.RESOLVED if finish == "resolve" else State.CLOSED)

    def test_one_pending_at_a_time(self, reassured, agent):
        self.offer(reassured, agent, "80.00")
        with pytest.raises(Conflict, match="already waiting"):
            self.offer(reassured, agent, "90.00")

    @pytest.mark.parametrize(
        "amount,currency,field",
        [
            ("-5", "GBP", "amount"),
            ("0", "GBP", "amount"),
            ("abc", "GBP", "amount"),
            ("1e9", "GBP", "amount"),
            ("10.001", "GBP", "amount"),
            ("NaN", "GBP", "amount"),
            ("10", "XYZ", "currency"),
            ("10", "", "currency"),
            (None, "GBP", "amount"),
        ],
    )
    def test_bad_amounts_and_currencies(self, reassured, agent, amount, currency, field):
        with pytest.raises(DomainError) as caught:
            self.offer(reassured, agent, amount, currency=currency)
        assert caught.value.field == field
        if field == "currency":
            expected = "Give the amount's currency" if not currency else "is not a currency we pay"
            assert expected in caught.value.message
        assert not Restitution.objects.exists()

    def test_replacement_item_without_amount(self, reassured, agent):
        restitution = self.offer(
            reassured, agent, None, kind="replacement", currency="", item="A new lamp"
        )
        assert restitution.status == "granted" and restitution.summary == "Replacement: A new lamp"


class TestSkip:
    def test_manager_skips_with_a_reason_that_is_recorded(self, manager):
        ticket = ticket_skip(
            ticket=open_ticket(), actor=manager, step="apologise", reason="Apologised on the phone"
        )
        assert ticket.state == State.APOLOGISED
        event = ticket.events.get(kind="skipped")
        assert (
            event.payload == {"step": "apologise", "reason": "Apologised on the phone"}
            and event.actor == manager
        )

    def test_agent_cannot_skip(self, agent):
        with pytest.raises(NotAllowed):
            ticket_skip(ticket=open_ticket(), actor=agent, step="apologise", reason="x")

    def test_skip_needs_a_reason_and_a_skippable_step(self, manager):
        with pytest.raises(DomainError, match="written reason"):
            ticket_skip(ticket=open_ticket(), actor=manager, step="apologise", reason=" ")
        with pytest.raises(DomainError):
            ticket_skip(
                ticket=open_ticket(email="b@example.com"), actor=manager, step="resolve", reason="x"
            )

    def test_skip_still_follows_the_order(self, manager):
        with pytest.raises(InvalidTransition):
            ticket_skip(ticket=open_ticket(), actor=manager, step="reassure", reason="x")


def test_two_agents_at_once_one_wins_the_other_gets_a_clear_conflict(agent):
    other = staff_user("agent")
    ticket = open_ticket()
    seen_by_both = ticket.state
    ticket_apologise(ticket=ticket, actor=agent, expected_state=seen_by_both, **MESSAGE)
    with pytest.raises(Conflict, match="Someone else changed this ticket"):
        ticket_apologise(ticket=ticket, actor=other, expected_state=seen_by_both, **MESSAGE)
    assert ticket.events.filter(kind="apologised").count() == 1


def test_step_on_a_closed_ticket(agent):
    ticket = ticket_close(ticket=open_ticket(), actor=agent, reason="Duplicate of #1")
    with pytest.raises(InvalidTransition, match="closed"):
        do("apologise", ticket, agent)


def test_close_releases_the_survey_hold_and_reopen_places_it_again(agent):
    ticket = open_ticket()
    customer = ticket.customer
    assert customer.holds.filter(released_at=None).count() == 1
    ticket_close(ticket=ticket, actor=agent, reason="Duplicate")
    assert customer.holds.filter(released_at=None).count() == 0
    ticket_reopen(ticket=ticket, actor=agent, reason="Customer wrote again")
    assert customer.holds.filter(released_at=None).count() == 1
