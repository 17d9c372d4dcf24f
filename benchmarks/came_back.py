"""Does the stored `Ticket.came_back_after` earn its keep? Time the retention figures as they are
(read from the stored column) against the same figures computed from the events and answers at
query time (the subqueries `came_back_refresh` uses), on the reports benchmark's data.

    python benchmarks/came_back.py [--responses 100000] [--rounds 5]

Needs the data set of `benchmarks/reports.py --responses N` (it generates it when missing). Both
variants run interleaved, each round in the same order alternated, with the whole-year filter;
prints each median, the ratio computed/stored and its spread, and checks both give the same
counts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

WINDOWS = (30, 90, 180)


def stored(tickets):
    from django.db.models import Count, Q

    windows = {
        f"back_{d}": Count("id", filter=Q(came_back_after__lte=timedelta(days=d))) for d in WINDOWS
    }
    return sorted(
        (
            tuple(row.values())
            for row in tickets.values("recovered").annotate(n=Count("id"), **windows).order_by()
        ),
        key=str,
    )


def computed(tickets):
    from django.db.models import Count, F, Q

    from recovery.services.retention import with_next_own_moments

    annotated = with_next_own_moments(tickets)
    # Came back within d days: either the next event or the next answer is that close.
    windows = {}
    for d in WINDOWS:
        within = F("opened_at") + timedelta(days=d)
        windows[f"back_{d}"] = Count(
            "id", filter=Q(next_event__lte=within) | Q(next_answer__lte=within)
        )
    return sorted(
        (
            tuple(row.values())
            for row in annotated.values("recovered").annotate(n=Count("id"), **windows).order_by()
        ),
        key=str,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    import reports  # the reports benchmark's data set and settings

    reports.configure(args.responses)
    reports.generate(args.responses, args.tickets)
    from recovery.models import Ticket

    tickets = Ticket.objects.all()
    same = stored(tickets) == computed(tickets)
    times = {"stored": [], "computed": []}
    for round_ in range(args.rounds):
        order = ("stored", "computed") if round_ % 2 == 0 else ("computed", "stored")
        for name in order:
            started = time.perf_counter()
            (stored if name == "stored" else computed)(tickets)
            times[name].append(time.perf_counter() - started)
    ratios = [c / s for c, s in zip(times["computed"], times["stored"], strict=True)]
    load = os.getloadavg()[0]
    print(f"tickets {tickets.count()}, same counts: {same}, load average {load:.2f}")
    for name, values in times.items():
        print(f"{name:<9} median {statistics.median(values) * 1000:9.1f} ms  rounds {len(values)}")
    print(
        f"computed / stored: median {statistics.median(ratios):.1f}x "
        f"(min {min(ratios):.1f}x, max {max(ratios):.1f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
