"""A django-q2 cluster killed in the middle of a batch of triage tasks: once a cluster runs
again, every item is triaged and counted once, and no ticket is opened twice."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from recovery.models import Ticket, TicketItem
from surveys.models import Complaint, FeedbackDay, TopicDay
from surveys.services.complaints import complaint_submit
from surveys.services.rollups import rollups_rebuild
from surveys.services.triage import triage_sweep

ROOT = Path(__file__).resolve().parents[2]
ITEMS = 600  # triage takes up to 200 waiting items a task: several batches


def database_url() -> str:
    """The test database, as a URL a separate process can open."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def cluster() -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "feedback_app.settings",
        "DATABASE_URL": database_url(),
        "DEBUG": "1",
        "Q_WORKERS": "2",
        "Q_TIMEOUT": "5",
        "Q_RETRY": "6",  # what the dead cluster took comes back after 6 s
        "Q_BULK": "10",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def triaged() -> int:
    return Complaint.objects.filter(triaged_at__isnull=False).count()


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def day_tables() -> dict:
    return {
        model.__name__: sorted(
            tuple(row.values())[1:] for row in model.objects.values() if any(row.values())
        )
        for model in (FeedbackDay, TopicDay)
    }


@pytest.mark.django_db(transaction=True)
def test_killed_cluster_leaves_every_item_triaged_once(monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # queue the tasks for a real cluster
    for n in range(ITEMS):
        complaint_submit(
            text=f"Order {n}: the parcel never arrived and nobody answers the phone.",
            channel="email",
            email=f"crash{n}@example.com",
            reference=f"A{n:04}",
        )
    assert triaged() == 0

    first = cluster()
    try:
        assert wait_until(lambda: triaged() >= 10, 120), "the cluster triaged nothing"
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # every process of it, mid-batch
        first.wait()
    left = ITEMS - triaged()
    assert left > 0, "the batch finished before the kill; make it bigger"

    second = cluster()
    try:
        # The database broker hands out again what the dead cluster held; Redis cannot, and the
        # scheduled sweep triages what is left (here run at once, as if its five minutes had
        # passed, while the second cluster still works).
        wait_until(lambda: triaged() == ITEMS, 60)
        triage_sweep(now=timezone.now() + timedelta(minutes=10))
        assert triaged() == ITEMS, f"{ITEMS - triaged()} never triaged"
        time.sleep(7)  # anything handed out twice has had its second run
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        try:
            second.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(second.pid, signal.SIGKILL)

    assert Ticket.objects.count() == ITEMS  # one incident per customer, each opened once
    assert not TicketItem.objects.values("complaint").annotate(n=Count("id")).filter(n__gt=1)
    assert not Ticket.objects.values("customer").annotate(n=Count("id")).filter(n__gt=1)
    counted = day_tables()  # triage counted each item once: the same as counting afresh
    rollups_rebuild()
    assert day_tables() == counted


@pytest.mark.django_db
def test_sweep_triages_only_what_waited_too_long():
    complaint = complaint_submit(text="Never arrived.", channel="email", email="a@example.com")
    Complaint.objects.filter(pk=complaint.complaint.pk).update(triaged_at=None, sentiment="")
    assert triage_sweep() == 0  # just arrived: its task may still come
    assert triage_sweep(now=timezone.now() + timedelta(minutes=6)) == 1
    assert triage_sweep(now=timezone.now() + timedelta(minutes=6)) == 0
    assert Complaint.objects.get(pk=complaint.complaint.pk).sentiment == "negative"
