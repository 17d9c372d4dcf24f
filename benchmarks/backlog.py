"""The backlog a burst leaves, worked off by one django-q2 cluster.

    python benchmarks/backlog.py [--items 100000] [--complaints 0.1]

While no cluster runs, accepts `--items` pieces of feedback the way the intake paths do: survey
answers through the invitation form's service (`answers_receive`: checked, accepted, waiting to
be stored) and a share of complaints through `complaint_submit` (stored, triage queued), with the
load benchmark's hostile and huge texts (an answer over the length limit is refused, as the form
refuses it). Then one `qcluster` starts (the production settings: 2 workers) and the script times
it until every accepted answer is stored and every item triaged. Checks: one response per
accepted invitation, nothing left waiting or untriaged, no item linked to two tickets.

SQLite by default (a fresh file in benchmarks/.cache/); BENCH_DATABASE_URL and REDIS_URL as in
load.py.
"""

from __future__ import annotations

import argparse
import random
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--complaints", type=float, default=0.1, help="share of complaints")
    args = parser.parse_args()
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
    seconds, left = triage_backlog(env, total, limit=4 * 3600)
    print(
        f"backlog: {total:,} items stored and triaged in {seconds:.0f} s"
        f" ({total / seconds:.1f} items/s)"
    )
    from surveys.models import Response

    problems = linked_twice()
    if left:
        problems.append(f"{left} items still waiting or untriaged")
    if Response.objects.count() != answers:
        problems.append(f"{Response.objects.count()} responses for {answers} accepted answers")
    print("\n".join(problems) if problems else "every accepted item stored and triaged once")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
