"""Time a survey's funnel (surveys/funnel.py) over a large period: one survey, one split trigger
rule, N invitations due in the last 85 days (80% sent, half of those opened, most of those
started, 40% of the sent answered), generated once into benchmarks/.cache/funnel-N.sqlite3.

    python benchmarks/funnel.py [--invitations 100000] [--repeat 7]

Prints each run's time, the median and the spread, and the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
sys.path.insert(0, str(ROOT))


def configure(invitations: int) -> None:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"funnel-{invitations}.sqlite3"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{path}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_app.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DATA_DIR", str(CACHE))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(invitations: int, seed: int = 3):
    from django.db import transaction
    from django.utils import timezone

    from feedback_app.customers.models import Customer
    from surveys.models import Invitation, Response, Survey, TriggerRule

    survey = Survey.objects.filter(name="Funnel benchmark").first()
    if survey is not None:
        return survey
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        survey = Survey.objects.create(name="Funnel benchmark", purpose="after_delivery")
        rule = TriggerRule.objects.create(
            event_type="order.delivered",
            survey=survey,
            delay=timedelta(days=2),
            b_subject="Two minutes?",
        )
        tiers = ["standard"] * 6 + ["silver", "gold", "platinum"]
        customers = Customer.objects.bulk_create(
            Customer(full_name=f"Customer {n}", value_tier=rng.choice(tiers)) for n in range(5000)
        )
        rows, answers = [], []
        for _ in range(invitations):
            due = now - timedelta(days=rng.uniform(0, 85))
            sent = rng.random() < 0.8
            opened = sent and rng.random() < 0.5
            started = opened and rng.random() < 0.8
            rows.append(
                Invitation(
                    survey=survey,
                    customer=rng.choice(customers),
                    rule=rule,
                    variant=rng.choice("AB"),
                    status="sent" if sent else "suppressed",
                    reason="" if sent else rng.choice(["quiet period: x", "opted out"]),
                    scheduled_for=due,
                    sent_at=due if sent else None,
                    opened_at=due + timedelta(minutes=30) if opened else None,
                    started_at=due + timedelta(minutes=31) if started else None,
                    reached=rng.choice([None, 1, 2]) if started else None,
                    expires_at=due + timedelta(days=30),
                )
            )
        Invitation.objects.bulk_create(rows, batch_size=5000)
        for invitation in rows:
            if invitation.started_at and rng.random() < 0.8:
                answers.append(
                    Response(
                        survey=survey,
                        customer=invitation.customer,
                        invitation=invitation,
                        channel="web",
                        submitted_at=invitation.started_at + timedelta(minutes=rng.uniform(1, 600)),
                    )
                )
        Response.objects.bulk_create(answers, batch_size=5000)
    return survey


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    configure(args.invitations)
    from surveys.funnel import survey_funnel

    survey = generate(args.invitations)
    survey_funnel(survey)  # warm-up
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        funnel = survey_funnel(survey)
        times.append(time.perf_counter() - started)
    total = funnel.total
    print(
        f"{total.invited} invitations, {total.sent} sent, {total.completed} completed: "
        f"median {statistics.median(times):.2f} s ({min(times):.2f}-{max(times):.2f}), "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
