"""The backlog a burst leaves, worked off by django-q2 clusters (one by default).

    python benchmarks/backlog.py [--items 100000] [--complaints 0.1] [--clusters 1] [--floor]
                                 [--rounds 1]

While no cluster runs, accepts `--items` pieces of feedback the way the intake paths do: survey
answers through the invitation form's service (`answers_receive`: checked, accepted, waiting to
be stored) and a share of complaints through `complaint_submit` (stored, triage queued), with the
load benchmark's hostile and huge texts (an answer over the length limit is refused, as the form
refuses it). Then `--clusters` `qcluster` processes start (the production settings: 2 workers
each) and the script times them until every accepted answer is stored and every item triaged.
Checks: one response per accepted invitation, nothing left waiting or untriaged, no item linked
to two tickets. `--floor` then times the same rows written with bulk statements and nothing else
in one process, and prints our rate as a share of it.

`--rounds N` (N > 1) makes each round a process of its own, and with `--floor` times the floor
before and after it, each in a process and a database of its own: a shared machine's speed
drifts within minutes (the floor alone has run 575 and 1,037 items/s in one hour), so a round's
share is of the mean of the floors either side of it. Then the median and spread of the rounds.

SQLite by default (a fresh file in benchmarks/.cache/); BENCH_DATABASE_URL and REDIS_URL as in
load.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

from load import (
    fresh_database,
    hostile_or_plain,
    linked_twice,
    prepare,
    triage_backlog,
)


def accept(items: int, complaint_share: float, questions: tuple[int, int]) -> tuple[int, int]:
    """Accept the feedback with no worker running; returns (answers, complaints) accepted."""
    from django_q.conf import Conf

    from surveys.models import Invitation
    from surveys.services.complaints import complaint_submit
    from surveys.services.received import answers_receive
    from surveys.services.responses import AnswersInvalid

    Conf.SYNC = False  # queue the tasks; the cluster started later works them
    nps, words = questions
    rng = random.Random(7)
    answers = complaints = 0
    invitations = Invitation.objects.select_related("survey", "received").order_by("pk")
    # Read in pages, not through one open cursor: django-q2's ORM broker closes a connection
    # older than DATABASE_CONN_MAX_AGE when it queues a task, cursor and all.
    pages = (list(invitations[start : start + 2000]) for start in range(0, items, 2000))
    started = time.perf_counter()
    for n, invitation in enumerate(i for page in pages for i in page):
        text = hostile_or_plain(rng, n)
        if rng.random() < complaint_share:
            complaint_submit(
                text=text or "My parcel never arrived.",
                channel="api",
                email=f"backlog{n}@example.com",
                idempotency_key=f"backlog-{n}",
            )
            complaints += 1
            continue
        try:
            answers_receive(invitation=invitation, answers={nps: rng.randint(0, 10), words: text})
        except AnswersInvalid:
            continue  # too long: the form says so and keeps nothing
        answers += 1
        if (n + 1) % 10_000 == 0:
            print(f"  accepted {n + 1:,} in {time.perf_counter() - started:.0f} s", flush=True)
    return answers, complaints


# Long on purpose: every table a failing answer ends in, written in the one loop the floor times.
def floor(total: int, batch: int = 200) -> float:
    """Items per second of the floor: the rows a failing answer ends as (the response, its two
    answers, its triage and topic, the ticket with its link, topic, log entry and hold, three
    timeline entries), written with Django's bulk_create in batches of `batch`, one transaction
    each, in this one process, with nothing else: no checks, no reads, no task queue. The least
    any pipeline on the ORM pays per item. Run after the checks; the rows stay in the run's own
    database, which the next run replaces."""
    from django.db import transaction
    from django.utils import timezone

    from feedback_app.customers.models import ContactHold, Customer, TimelineEntry
    from recovery.models import Ticket, TicketEvent, TicketItem
    from surveys.models import Answer, Response, Survey, Topic

    survey = Survey.objects.get(name="After delivery")
    nps, words = survey.questions.order_by("position")
    topic = Topic.objects.order_by("pk").first()
    customers = list(Customer.objects.order_by("pk")[:total])
    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, len(customers), batch):
        chunk = customers[start : start + batch]
        with transaction.atomic():
            responses = Response.objects.bulk_create(
                [
                    Response(survey=survey, customer=c, channel="web", submitted_at=now, nps=3)
                    for c in chunk
                ]
            )
            Answer.objects.bulk_create(
                [Answer(response=r, question=nps, number=3) for r in responses]
                + [Answer(response=r, question=words, text="It never came.") for r in responses]
            )
            Response.objects.filter(pk__in=[r.pk for r in responses]).update(
                sentiment="negative", severity=3, triaged_at=now
            )
            Response.topics.through.objects.bulk_create(
                [Response.topics.through(response_id=r.pk, topic_id=topic.pk) for r in responses]
            )
            tickets = Ticket.objects.bulk_create(
                [
                    Ticket(customer=c, subject="It never came.", priority=3, opened_at=now)
                    for c in chunk
                ]
            )
            TicketItem.objects.bulk_create(
                [TicketItem(ticket=t, response=r) for t, r in zip(tickets, responses, strict=True)]
            )
            Ticket.topics.through.objects.bulk_create(
                [Ticket.topics.through(ticket_id=t.pk, topic_id=topic.pk) for t in tickets]
            )
            TicketEvent.objects.bulk_create(
                [TicketEvent(ticket=t, kind="opened", payload={"priority": 3}) for t in tickets]
            )
            ContactHold.objects.bulk_create(
                [
                    ContactHold(customer=t.customer, reference=f"floor:{t.pk}", reason="floor")
                    for t in tickets
                ]
            )
            TimelineEntry.objects.bulk_create(
                [
                    TimelineEntry(customer=c, kind=kind, title=kind, occurred_at=now)
                    for c in chunk
                    for kind in ("response.submitted", "hold.placed", "ticket.opened")
                ]
            )
    seconds = time.perf_counter() - started
    return len(customers) / seconds


def floor_apart(items: int) -> dict:
    """The floor of `items` rows in this process and a database of its own (the `--floor-only`
    run), so that it can be timed before a round as well as after it."""
    if url := os.environ.get("BENCH_DATABASE_URL"):
        os.environ["BENCH_DATABASE_URL"] = f"{url}_floor"  # never the round's database
    fresh_database("backlog-floor")
    prepare(items)
    cpu_started = time.process_time()
    rate = floor(items)
    return {"rate": rate, "cpu": (time.process_time() - cpu_started) / items}


def apart(*args: str) -> dict:
    """This script run with `args` in a process of its own; the result its last line gives."""
    done = subprocess.run(  # noqa: S603 - this script, its own arguments
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    *said, last = done.stdout.strip().splitlines()
    for line in said:
        if not line.startswith("  "):  # the minute's progress stays in the child
            print(f"    {line}", flush=True)
    return json.loads(last.removeprefix("result: "))


def rounds(args: argparse.Namespace) -> int:
    """`--rounds` rounds, each in processes of its own (with `--floor`, one floor before and
    one after it); then their medians and spread."""
    once = ["--items", str(args.items), "--complaints", str(args.complaints)]
    once += ["--clusters", str(args.clusters)]
    floor_items = str(min(args.items, 20_000))
    kept = []
    for n in range(1, args.rounds + 1):
        before = apart("--floor-only", floor_items) if args.floor else None
        ours = apart(*once)
        after = apart("--floor-only", floor_items) if args.floor else None
        line = f"round {n}: {ours['rate']:,.0f} items/s, CPU {1000 * ours['cpu']:.2f} ms an item"
        if before and after:
            ours["share"] = ours["rate"] / statistics.mean([before["rate"], after["rate"]])
            ours["cpu_share"] = ours["cpu"] / statistics.mean([before["cpu"], after["cpu"]])
            line += (
                f"; floor {before['rate']:,.0f} before, {after['rate']:,.0f} after:"
                f" {ours['share']:.2f} of their mean, CPU {ours['cpu_share']:.2f} times theirs"
            )
        print(line + f" (load average {ours['load']:.2f})", flush=True)
        kept.append(ours)
    for key, what, form in (
        ("rate", "items/s", "{:,.0f}"),
        ("cpu", "ms CPU an item", "{:.2f}"),
        ("share", "of the floor", "{:.2f}"),
        ("cpu_share", "CPU an item, times the floor's", "{:.2f}"),
    ):
        values = [one[key] * (1000 if key == "cpu" else 1) for one in kept if key in one]
        if values:
            median, low, high = (
                form.format(v) for v in (statistics.median(values), min(values), max(values))
            )
            print(f"{len(values)} rounds, {what}: median {median} ({low}-{high})")
    return 1 if any(one["problems"] for one in kept) else 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--complaints", type=float, default=0.1, help="share of complaints")
    parser.add_argument("--clusters", type=int, default=1, help="qcluster processes to start")
    parser.add_argument(
        "--floor", action="store_true", help="also time the floor: the same rows, bulk-written"
    )
    parser.add_argument("--rounds", type=int, default=1, help="rounds, each in its own process")
    parser.add_argument("--floor-only", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_only:
        print("result:", json.dumps(floor_apart(args.floor_only)))
        return 0
    if args.rounds > 1:
        return rounds(args)
    env = fresh_database("backlog")
    _tokens, _api, questions = prepare(args.items)
    started = time.perf_counter()
    answers, complaints = accept(args.items, args.complaints, questions)
    print(
        f"accepted {answers:,} answers and {complaints:,} complaints"
        f" in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    from django.db import connection

    connection.close()
    total = answers + complaints
    seconds, left, cpu = triage_backlog(env, total, limit=4 * 3600, clusters=args.clusters)
    print(
        f"backlog ({args.clusters} cluster{'s' if args.clusters > 1 else ''}, load average"
        f" {os.getloadavg()[0]:.2f}): {total:,} items stored and triaged in {seconds:.0f} s"
        f" ({total / seconds:.1f} items/s); the clusters' CPU {cpu:.1f} s,"
        f" {1000 * cpu / total:.2f} ms an item"
    )
    from surveys.models import Response

    problems = linked_twice()
    if left:
        problems.append(f"{left} items still waiting or untriaged")
    if Response.objects.count() != answers:
        problems.append(f"{Response.objects.count()} responses for {answers} accepted answers")
    print("\n".join(problems) if problems else "every accepted item stored and triaged once")
    if args.floor:
        cpu_started = time.process_time()
        rate = floor(min(total, 20_000))
        floor_cpu = (time.process_time() - cpu_started) / min(total, 20_000)
        ours = total / seconds
        print(
            f"floor (the rows of a failing answer, bulk_create in batches of 200, one process):"
            f" {rate:,.0f} items/s, CPU {1000 * floor_cpu:.2f} ms an item; ours"
            f" {ours:,.1f} items/s = {ours / rate:.2f} of the floor, CPU an item"
            f" {cpu / total / floor_cpu:.2f} times the floor's"
        )
    result = {"rate": total / seconds, "cpu": cpu / total, "load": os.getloadavg()[0]}
    print("result:", json.dumps(result | {"problems": len(problems)}))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
