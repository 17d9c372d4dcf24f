"""Time each manager dashboard on a large data set: by default 1,000,000 survey responses and
100,000 tickets in an SQLite file (or the database named by BENCH_DATABASE_URL).

    python benchmarks/reports.py [--responses 1000000] [--tickets 100000] [--repeat 3] [--keep]

The data is generated once into benchmarks/.cache/ (re-used with --keep), with realistic shape:
50,000 customers, about 1.75 rated answers per response, topics on a third of the feedback,
tickets in every state with their log entries and restitution. Each dashboard is timed with the
default filters (the last 90 days) and over the whole year, best of --repeat; query counts too.
Target: under 1 s each on SQLite.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
sys.path.insert(0, str(ROOT))


def configure(responses: int) -> Path:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"reports-{responses}.sqlite3"
    os.environ.setdefault(
        "DATABASE_URL", os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{path}"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_app.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DATA_DIR", str(CACHE))
    import django

    django.setup()
    return path


def generate(responses: int, tickets: int, seed: int = 7) -> None:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from feedback_app.customers.models import Customer
    from recovery.models import Restitution, Team, Ticket, TicketEvent
    from surveys.models import (
        Answer,
        Complaint,
        Event,
        Invitation,
        Question,
        Response,
        Survey,
        Topic,
    )

    call_command("migrate", verbosity=0)
    if Response.objects.exists():
        return
    rng = random.Random(seed)
    now = timezone.now()
    start = time.perf_counter()
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    full_name=f"Customer {n}",
                    region=rng.choice(["North", "South", "East", "West", "Capital"]),
                    age_band=rng.choice(
                        ["under_25", "25_34", "35_44", "45_54", "55_64", "65_plus"]
                    ),
                    value_tier=rng.choice(
                        ["standard"] * 6 + ["silver"] * 3 + ["gold"] * 2 + ["platinum"]
                    ),
                    token=f"bench-{n}",
                )
                for n in range(50_000)
            ],
            batch_size=5000,
        )
        customer_ids = [c.pk for c in customers]
        segments = {c.pk: (c.region, c.age_band, c.value_tier) for c in customers}
        surveys = []
        for name, purpose in (
            ("After delivery", "after_delivery"),
            ("After support", "after_support"),
            ("Store", "after_visit"),
        ):
            survey = Survey.objects.create(name=name, purpose=purpose, status="live")
            for position, kind in enumerate(("nps", "csat", "ces")):
                Question.objects.create(survey=survey, position=position, kind=kind, prompt=kind)
            surveys.append((survey, {q.kind: q.pk for q in survey.questions.all()}))
        topics = list(Topic.objects.values_list("pk", flat=True))
        teams = [Team.objects.create(name=f"Team {n}") for n in range(4)]
    channels = ["web", "email", "api", "import", "kiosk"]

    def who() -> dict:
        """A random customer, with the segments the item keeps (as the services do)."""
        customer_id = rng.choice(customer_ids)
        region, age_band, value_tier = segments[customer_id]
        return {
            "customer_id": customer_id,
            "region": region,
            "age_band": age_band,
            "value_tier": value_tier,
        }

    through = Response.topics.through
    batch = 20_000
    for offset in range(0, responses, batch):
        with transaction.atomic():
            made = Response.objects.bulk_create(
                [
                    Response(
                        survey=surveys[i % 3][0],
                        **who(),
                        channel=rng.choice(channels),
                        submitted_at=now - timedelta(seconds=rng.randint(0, 365 * 86400)),
                        sentiment=rng.choice(["negative", "neutral", "positive", "positive"]),
                        severity=rng.randint(1, 4),
                        nps=rng.randint(0, 10),  # kept on the response, as the services do
                    )
                    for i in range(offset, min(responses, offset + batch))
                ],
                batch_size=5000,
            )
            answers, links = [], []
            for n, response in enumerate(made):
                questions = surveys[(offset + n) % 3][1]
                answers.append(
                    Answer(response=response, question_id=questions["nps"], number=response.nps)
                )
                if rng.random() < 0.5:
                    answers.append(
                        Answer(
                            response=response,
                            question_id=questions["csat"],
                            number=rng.randint(1, 5),
                        )
                    )
                if rng.random() < 0.25:
                    answers.append(
                        Answer(
                            response=response,
                            question_id=questions["ces"],
                            number=rng.randint(1, 7),
                        )
                    )
                if rng.random() < 0.33:
                    links.append(through(response_id=response.pk, topic_id=rng.choice(topics)))
            Answer.objects.bulk_create(answers, batch_size=5000)
            through.objects.bulk_create(links, batch_size=5000)
        print(f"  {min(responses, offset + batch):,} responses", flush=True)
    with transaction.atomic():
        Complaint.objects.bulk_create(
            [
                Complaint(
                    **who(),
                    channel=rng.choice(channels),
                    text="Parcel late",
                    received_at=now - timedelta(seconds=rng.randint(0, 365 * 86400)),
                    sentiment="negative",
                    severity=rng.randint(2, 4),
                )
                for _ in range(responses // 20)
            ],
            batch_size=5000,
        )
        Event.objects.bulk_create(
            [
                Event(
                    event_type="order.delivered",
                    customer_id=rng.choice(customer_ids),
                    occurred_at=now - timedelta(seconds=rng.randint(0, 365 * 86400)),
                    data={},
                )
                for _ in range(tickets)
            ],
            batch_size=5000,
        )
        Invitation.objects.bulk_create(
            [
                Invitation(
                    survey=surveys[n % 3][0],
                    customer_id=rng.choice(customer_ids),
                    token=f"bench-{n}",
                    status=rng.choice(["sent", "answered", "suppressed", "sent"]),
                    scheduled_for=(when := now - timedelta(seconds=rng.randint(0, 365 * 86400))),
                    sent_at=when,
                    expires_at=when + timedelta(days=30),
                )
                for n in range(tickets * 2)
            ],
            batch_size=5000,
        )
    states = [
        "new",
        "apologised",
        "reassured",
        "restitution_offered",
        "resolved",
        "closed",
        "closed",
        "reopened",
    ]
    for offset in range(0, tickets, batch):
        with transaction.atomic():
            made = []
            for _ in range(offset, min(tickets, offset + batch)):
                opened = now - timedelta(seconds=rng.randint(0, 365 * 86400))
                state = rng.choice(states)
                progressed = states.index(state) if state in states[:6] else 5
                made.append(
                    Ticket(
                        customer_id=rng.choice(customer_ids),
                        state=state,
                        priority=rng.randint(1, 4),
                        subject="Late",
                        team=rng.choice(teams),
                        opened_at=opened,
                        apology_due_at=opened + timedelta(hours=8),
                        resolution_due_at=opened + timedelta(hours=40),
                        apologised_at=opened + timedelta(hours=rng.uniform(0.5, 12))
                        if progressed >= 1
                        else None,
                        resolved_at=opened + timedelta(hours=rng.uniform(10, 60))
                        if progressed >= 4
                        else None,
                        breached=rng.random() < 0.1,
                        recovered=(rng.random() < 0.7) if state == "closed" else None,
                    )
                )
            made = Ticket.objects.bulk_create(made, batch_size=5000)
            events, restitutions = [], []
            for ticket in made:
                events.append(
                    TicketEvent(
                        ticket=ticket, kind="opened", to_state="new", created_at=ticket.opened_at
                    )
                )
                if ticket.apologised_at:
                    events.append(
                        TicketEvent(
                            ticket=ticket, kind="apologised", created_at=ticket.apologised_at
                        )
                    )
                if ticket.state in ("reassured", "restitution_offered", "resolved", "closed"):
                    events.append(
                        TicketEvent(ticket=ticket, kind="reassured", created_at=ticket.opened_at)
                    )
                if (
                    ticket.state in ("restitution_offered", "resolved", "closed")
                    and rng.random() < 0.6
                ):
                    events.append(
                        TicketEvent(
                            ticket=ticket, kind="restitution_offered", created_at=ticket.opened_at
                        )
                    )
                    restitutions.append(
                        Restitution(
                            ticket=ticket,
                            kind=rng.choice(["refund", "voucher", "credit"]),
                            amount=Decimal(rng.choice(["10.00", "20.00", "35.00", "80.00"])),
                            currency="GBP",
                            status="granted",
                            created_at=ticket.opened_at,
                        )
                    )
            TicketEvent.objects.bulk_create(events, batch_size=5000)
            Restitution.objects.bulk_create(restitutions, batch_size=5000)
    print(f"generated in {time.perf_counter() - start:.0f} s", flush=True)
    rollups()


def rollups() -> None:
    """Bulk-created rows bypass the services: rebuild the dashboards' day tables, timed."""
    from django.db import connection

    from surveys.services.rollups import rollups_rebuild

    started = time.perf_counter()
    feedback, topics = rollups_rebuild()
    took = time.perf_counter() - started
    print(f"day tables rebuilt in {took:.0f} s ({feedback:,} + {topics:,} rows)", flush=True)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")


def measure(repeat: int) -> list[tuple]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from recovery.dashboards.figures import DASHBOARDS
    from recovery.dashboards.filters import DashboardFilterForm

    results = []
    for label, params in (("last 90 days", {}), ("whole year", {"start": "2000-01-01"})):
        filters = DashboardFilterForm(params).filters()
        for name, compute in DASHBOARDS.items():
            best = float("inf")
            for _ in range(repeat):
                reset_queries()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    compute(filters)
                    best = min(best, time.perf_counter() - started)
            results.append((name, label, best, len(captured.captured_queries)))
            queries = len(captured.captured_queries)
            print(f"{name:<12} {label:<13} {best * 1000:8.0f} ms  {queries:3d} queries", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    configure(args.responses)
    generate(args.responses, args.tickets)
    results = measure(args.repeat)
    slow = [r for r in results if r[2] >= 1.0]
    print(
        "all under 1 s"
        if not slow
        else f"over 1 s: {', '.join(f'{n} ({label})' for n, label, _, _ in slow)}"
    )
    return 0 if not slow else 1


if __name__ == "__main__":
    sys.exit(main())
