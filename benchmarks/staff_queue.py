"""Time the staff queue and a ticket page on a large data set: the 100,000 tickets of the
dashboards benchmark (benchmarks/reports.py generates them once into benchmarks/.cache/).

    python benchmarks/staff_queue.py [--responses 1000000] [--tickets 100000] [--repeat 30]

Each page is requested in-process through Django's test client as a signed-in manager, with the
production settings (DEBUG off); p50/p95 of --repeat requests after two warm-up requests, and
the query count. Target: p95 under 150 ms and the same query count on page 1 and page 500.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

for name, value in {
    "DEBUG": "0",
    "SECRET_KEY": "queue-benchmark-" + "k" * 40,
    "ALLOWED_HOSTS": "testserver",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "STATIC_MANIFEST": "0",
}.items():
    os.environ.setdefault(name, value)


def long_ticket(events: int = 200) -> int:
    """A ticket with `events` log entries (notes and steps), made once."""
    from django.utils import timezone

    from recovery.models import Ticket, TicketEvent

    ticket = Ticket.objects.filter(subject="Benchmark: a long history").first()
    if ticket is None:
        sample = Ticket.objects.order_by("pk").first()
        ticket = Ticket.objects.create(
            customer=sample.customer,
            subject="Benchmark: a long history",
            opened_at=timezone.now(),
            apology_due_at=timezone.now(),
            resolution_due_at=timezone.now(),
        )
    missing = events - ticket.events.count()
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket=ticket, kind="note", payload={"text": f"Called the customer ({n})."})
        for n in range(max(0, missing))
    )
    return ticket.pk


def measure(repeat: int) -> list[tuple[str, float, float, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from feedback_app.staff.services import staff_user_create
    from recovery.models import Team

    manager = staff_user_create(username="bench-manager", password="x" * 20, role="manager")
    client = Client()
    client.force_login(manager)
    team = Team.objects.order_by("pk").first()
    queue = reverse("recovery:queue")
    pages = [
        ("queue, page 1", f"{queue}"),
        ("queue, page 500", f"{queue}?page=500"),
        ("queue, filtered, page 1", f"{queue}?state=new&priority=3&team={team.pk}&sort=due"),
        ("queue, filtered, page 20", f"{queue}?state=new&team={team.pk}&page=20"),
        ("queue, search", f"{queue}?q=Customer+12"),
        ("ticket, 200 log entries", reverse("recovery:ticket", args=[long_ticket()])),
    ]
    results = []
    for label, url in pages:
        for _ in range(2):
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                client.get(url)
                times.append(time.perf_counter() - started)
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        results.append((label, p50, p95, len(queries.captured_queries)))
        print(
            f"{label:<26} p50 {p50 * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms"
            f"  {len(queries.captured_queries):3d} queries",
            flush=True,
        )
    return results


def main() -> int:
    from reports import configure, generate

    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    configure(args.responses)
    generate(args.responses, args.tickets)
    results = measure(args.repeat)
    slow = [label for label, _, p95, _ in results if p95 >= 0.150]
    print("all under 150 ms at p95" if not slow else f"over 150 ms: {', '.join(slow)}")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
