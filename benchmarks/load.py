"""Load on the intake paths over HTTP, against the ceiling on the same server in the same run.

    python benchmarks/load.py [--surveys 10000] [--complaints 2000] [--clients 50] [--workers 4]
                              [--rounds 3] [--peer]

Starts gunicorn on loopback (the production settings, a fresh SQLite file in benchmarks/.cache/,
or the PostgreSQL database named by BENCH_DATABASE_URL, dropped and created afresh; with
REDIS_URL set, django-q2 and the cache use Redis) and drives it from an asyncio client with
`--clients` concurrent connections:

1. a bare Django view returning a constant (the ceiling for 2),
2. survey answers: POST of the customer's answer form to /s/<token>/, one invitation each,
3. a bare DRF view returning a constant (the ceiling for 4),
4. complaints: POST /api/v1/complaints/ with an integration token and an idempotency key,
5. the same with `Prefer: respond-async` (202 with a receipt, filed in the background).

A request that fails (503 "try again", a timeout, a dropped connection) is retried with the same
token or key, and 2% of the accepted ones are sent a second time on purpose, as a client that
timed out would. Afterwards the database must hold each answer and complaint exactly once (or
its accepted row, waiting to be stored or filed). Then a
django-q2 cluster triages the backlog the load left; every item must be triaged exactly once and
no item linked to two tickets. Prints throughput and p50/p95/p99 latency of each run.

The five runs (and the two floors) go in `--rounds` interleaved rounds, each round with its own
share of the invitations and complaint keys, so machine noise hits ours and its ceiling alike;
each ratio is the median of the rounds' ratios, with its spread and the load average.

`--peer` also runs, in the same rounds, our public complaint form and django-helpdesk 2.6.1's
public ticket form and ticket API on a server of its own with as many workers (installed into
benchmarks/.cache/peer-venv from PyPI and seeded by benchmarks/peer_setup.py, SQLite in WAL mode
as ours), with the same texts, and reports ours against it.

The public-form and API write rate limits are raised for the run (one address sends it all).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
sys.path.insert(0, str(ROOT))
CSRF = "b" * 32  # a well-formed CSRF secret, sent as both cookie and form field


def environment(database_url: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.load_settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "load-benchmark-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "STATIC_MANIFEST": "0",
        "PUBLIC_FORM_RATE": "1000000/m",
        "API_WRITE_RATE": "1000000/min",
        "DATA_DIR": str(CACHE),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    os.environ.update(env)
    return env


def fresh_database(name: str) -> dict:
    """An empty database for a run: benchmarks/.cache/<name>.sqlite3, or the PostgreSQL database
    BENCH_DATABASE_URL names, dropped and created afresh. Returns the server's environment."""
    CACHE.mkdir(exist_ok=True)
    for leftover in CACHE.glob(f"{name}.sqlite3*"):
        leftover.unlink()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{CACHE / f'{name}.sqlite3'}"
    if url.startswith("postgres"):
        fresh_postgres(url)
    return environment(url)


def fresh_postgres(url: str) -> None:
    """Drop and create the benchmark's PostgreSQL database, so every run starts empty."""
    from urllib.parse import urlsplit

    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def prepare(surveys: int) -> tuple[list[str], str, tuple[int, int]]:
    """A live survey with NPS and free text, one sent invitation per answer, an API token."""
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from feedback_app.customers.models import Customer
    from feedback_app.staff.services import staff_user_create
    from surveys.models import Invitation
    from surveys.services.building import question_add, survey_create, survey_publish

    call_command("migrate", verbosity=0)
    # The shared cache outlives a run (its directory, or Redis): a claim or mark a stopped cluster
    # left there would hold up the next run's tasks.
    cache.clear()
    survey = survey_create(name="After delivery", purpose="after_delivery")
    nps = question_add(survey=survey, kind="nps", prompt="How likely are you to recommend us?")
    text = question_add(survey=survey, kind="text", prompt="Tell us more", required=False)
    survey_publish(survey=survey)
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        [Customer(full_name=f"Load {n}", token=secrets.token_urlsafe(24)) for n in range(surveys)],
        batch_size=2000,
    )
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                survey=survey,
                customer=customer,
                channel="email",
                status="sent",
                scheduled_for=now,
                sent_at=now,
                expires_at=now + timedelta(days=30),
            )
            for customer in customers
        ],
        batch_size=2000,
    )
    user = staff_user_create(
        username="load-integration", password=secrets.token_urlsafe(16), role="integration"
    )
    token = Token.objects.create(user=user).key
    from django.db import connection

    from benchmarks.load_urls import FLOOR_TABLE

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {FLOOR_TABLE} (invitation integer, body text)")
    return [i.token for i in invitations], token, (nps.pk, text.pk)


# --- the client ---------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    retries: int = 0
    repeats: int = 0
    accepted: set = field(default_factory=set)
    seconds: float = 0.0

    def line(self) -> str:
        lat = sorted(self.latencies)
        q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [lat[0]] * 99
        return (
            f"{self.name:<32} {len(lat) / self.seconds:8.0f} req/s   p50 {q[49] * 1000:6.1f} ms"
            f"   p95 {q[94] * 1000:6.1f} ms   p99 {q[98] * 1000:6.1f} ms   "
            f"statuses {dict(sorted(self.statuses.items()))}  retries {self.retries}"
            f"  repeats {self.repeats}"
        )


async def request(port: int, raw: bytes, timeout: float = 30.0) -> int:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        writer.write(raw)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        if length:
            await asyncio.wait_for(reader.readexactly(length), timeout)
        return status
    finally:
        writer.close()


def http(method: str, path: str, body: bytes, headers: dict) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def drive(port: int, run: Run, jobs: list[tuple], clients: int, ok: set[int]) -> Run:
    """Send every job from `clients` concurrent connections; retry failures with the same body;
    send 2% of the accepted ones again."""
    queue: asyncio.Queue = asyncio.Queue()
    rng = random.Random(3)
    for job in jobs:
        queue.put_nowait((job, False))

    async def client():
        while True:
            try:
                (key, raw), repeat = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            for attempt in range(10):
                started = time.perf_counter()
                try:
                    status = await request(port, raw)
                except (TimeoutError, OSError, asyncio.IncompleteReadError):
                    status = 0
                run.latencies.append(time.perf_counter() - started)
                run.statuses[status] = run.statuses.get(status, 0) + 1
                if status in ok:
                    run.accepted.add(key)
                    break
                if status not in (0, 503):
                    break  # refused for good: counted, not retried
                run.retries += 1
                await asyncio.sleep(0.2 * (attempt + 1))
            if not repeat and status in ok and rng.random() < 0.02:
                run.repeats += 1
                queue.put_nowait(((key, raw), True))

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    run.seconds = time.perf_counter() - started
    return run


def survey_jobs(tokens: list[str], questions: tuple[int, int], prefix: str = "/s") -> list[tuple]:
    nps, words = questions
    jobs = []
    rng = random.Random(5)
    for n, token in enumerate(tokens):
        text = hostile_or_plain(rng, n)
        fields = f"q{nps}={rng.randint(0, 10)}&q{words}={quote(text)}"
        jobs.append((token, form_post(f"{prefix}/{token}/", fields)))
    return jobs


def complaint_jobs(
    count: int,
    api_token: str,
    path: str = "/api/v1/complaints/",
    offset: int = 0,
    respond_async: bool = False,
) -> list[tuple]:
    """Complaints for the API, each with its own key; `respond_async` asks to be answered at once
    and filed in the background (`Prefer: respond-async`, keys of their own)."""
    jobs = []
    rng = random.Random(6 + offset)
    for n in range(offset, offset + count):
        key = f"load-async-{n}" if respond_async else f"load-{n}"
        body = json.dumps(
            {
                "customer": {"email": f"load{n}@example.com"},
                "text": hostile_or_plain(rng, n) or "My parcel never arrived.",
                "idempotency_key": key,
            }
        ).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Token {api_token}"}
        if respond_async:
            headers["Prefer"] = "respond-async"
        jobs.append((key, http("POST", path, body, headers)))
    return jobs


def form_post(path: str, fields: str) -> bytes:
    """A browser's form post: the fields with the CSRF token, and the CSRF cookie."""
    body = f"csrfmiddlewaretoken={CSRF}&{fields}".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={CSRF}"}
    return http("POST", path, body, headers)


def complaint_form_jobs(count: int, offset: int = 0) -> list[tuple]:
    """Our public complaint form, as a customer sends it (no photos)."""
    import uuid

    jobs, rng = [], random.Random(8 + offset)
    for n in range(offset, offset + count):
        text = hostile_or_plain(rng, n)[:2000] or "My parcel never arrived."
        key = str(uuid.UUID(int=n + 1))
        fields = (
            f"full_name=Customer+{n}&email=form{n}%40example.com"
            f"&text={quote(text)}&submission={key}"
        )
        jobs.append((key, form_post("/complaint/", fields)))
    return jobs


def peer_form_jobs(count: int, offset: int = 0) -> list[tuple]:
    """django-helpdesk's public ticket form, with the same texts."""
    jobs, rng = [], random.Random(8 + offset)
    for n in range(offset, offset + count):
        text = hostile_or_plain(rng, n)[:2000] or "My parcel never arrived."
        fields = (
            f"queue=1&title=Complaint+{n}&body={quote(text)}"
            f"&submitter_email=form{n}%40example.com&priority=3"
        )
        jobs.append((n, form_post("/tickets/submit/", fields)))
    return jobs


def peer_api_jobs(count: int, token: str, offset: int = 0) -> list[tuple]:
    """django-helpdesk's ticket API (POST /api/tickets/), with the same texts."""
    jobs, rng = [], random.Random(6 + offset)
    for n in range(offset, offset + count):
        body = json.dumps(
            {
                "queue": 1,
                "title": f"Complaint {n}",
                "description": hostile_or_plain(rng, n) or "My parcel never arrived.",
                "submitter_email": f"load{n}@example.com",
                "priority": 3,
            }
        ).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Token {token}"}
        jobs.append((n, http("POST", "/api/tickets/", body, headers)))
    return jobs


def bare_jobs(count: int, path: str, json_body: bool) -> list[tuple]:
    body = b'{"text": "My parcel never arrived."}' if json_body else b"q1=7&q2=Late"
    kind = "application/json" if json_body else "application/x-www-form-urlencoded"
    return [(n, http("POST", path, body, {"Content-Type": kind})) for n in range(count)]


TEXTS = [
    "The parcel never arrived and nobody called me back.",
    "Great service, the driver was lovely.",
    "Late again. Third time this month!!!",
    "",
    "Not bad, but the app keeps logging me out.",
]


def hostile_or_plain(rng: random.Random, n: int) -> str:
    """Mostly ordinary feedback; about 1 in 100 is markup or script, 1 in 500 is 20,000 words."""
    roll = rng.random()
    if roll < 0.01:
        return '<script>alert("x")</script><img src=x onerror=alert(1)> =HYPERLINK("http://x")'
    if roll < 0.012:
        return "terrible late refund " * 6_700
    return rng.choice(TEXTS)


def quote(text: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(text)


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own programs
        command, cwd=ROOT, env=env, start_new_session=True
    )


def wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def verify(surveys: Run, complaints: Run, form: Run | None = None) -> list[str]:
    """Every accepted answer is stored or waiting to be stored, once; every accepted complaint
    is stored (or, accepted to be filed later, waiting to be filed) once; no item is linked to a
    ticket twice."""
    from django.db.models import Q

    from surveys.models import Complaint, Invitation, ReceivedAnswers, ReceivedComplaint, Response

    problems = []
    stored, waiting = Response.objects.count(), ReceivedAnswers.objects.count()
    if stored + waiting != len(surveys.accepted):
        problems.append(
            f"{stored} responses stored and {waiting} waiting for {len(surveys.accepted)} accepted"
        )
    answered = (
        Invitation.objects.filter(token__in=surveys.accepted)
        .filter(Q(status="answered") | Q(received__isnull=False))
        .count()
    )
    if answered != len(surveys.accepted):
        problems.append(f"{answered} invitations answered of {len(surveys.accepted)} accepted")
    from surveys.services.intake import client_key_shown

    # Keys are stored scoped to the login that sent them; compare them as sent.
    stored = [k or "" for k in Complaint.objects.values_list("idempotency_key", flat=True)]
    # From the API (keys scoped to the sender), and from the public form ("web:" + submission).
    api = {client_key_shown(k) for k in stored if not k.startswith("web:")}
    api |= {client_key_shown(k) for k in ReceivedComplaint.objects.values_list("key", flat=True)}
    web = {k.removeprefix("web:") for k in stored if k.startswith("web:")}
    if api != complaints.accepted or web != (form.accepted if form else set()):
        problems.append(
            f"{len(stored)} complaints for {len(complaints.accepted)} accepted by the API"
            f" and {len(form.accepted) if form else 0} by the form"
        )
    filed = len({client_key_shown(k) for k in stored if not k.startswith("web:")})
    if len(stored) != filed + len(web):
        problems.append(f"{len(stored)} complaints for {len(api) + len(web)} distinct keys")
    return problems + linked_twice()


def linked_twice() -> list[str]:
    """Items linked to a ticket more than once (there must be none)."""
    from django.db.models import Count

    from recovery.models import TicketItem

    problems = []
    for item in ("response", "complaint"):
        twice = (
            TicketItem.objects.filter(**{f"{item}__isnull": False})
            .values(item)
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        if twice:
            problems.append(f"{twice} {item}s linked to a ticket twice")
    return problems


def group_cpu(group: int) -> float:
    """CPU seconds (user and system) the processes of a process group have used, with those of
    their children that ended (a worker django-q2 replaced): work done, which a busy machine's
    other tenants stretch far less than they stretch the wall clock."""
    used = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[2]) == group:  # the fields after the name start at the third, state
            used += sum(int(n) for n in fields[11:15])  # utime, stime, cutime, cstime
    return used / os.sysconf("SC_CLK_TCK")


def triage_backlog(
    env: dict, total: int, limit: float = 1800, clusters: int = 1
) -> tuple[float, int, float]:
    """Start `clusters` clusters on the queued tasks; wait until every accepted answer is stored
    and every item is triaged. Returns the seconds that took, the items left (when `limit` ran
    out) and the CPU seconds the clusters used meanwhile."""
    from surveys.models import Complaint, ReceivedAnswers, ReceivedComplaint, Response

    def untriaged() -> int:
        return (
            ReceivedAnswers.objects.count()
            + ReceivedComplaint.objects.count()
            + Response.objects.filter(triaged_at__isnull=True).count()
            + Complaint.objects.filter(triaged_at__isnull=True).count()
        )

    running = [start([sys.executable, "manage.py", "qcluster"], env) for _ in range(clusters)]
    started = time.perf_counter()
    try:
        shown = started
        while (left := untriaged()) and time.perf_counter() - started < limit:
            time.sleep(0.5)
            if time.perf_counter() - shown >= 60:
                shown = time.perf_counter()
                done = total - left
                print(f"  {done:,} of {total:,} after {shown - started:.0f} s", flush=True)
        finished = time.perf_counter()  # the clusters' stopping is not their work
        cpu = sum(group_cpu(cluster.pid) for cluster in running)
    finally:
        for cluster in running:
            stop(cluster)
    return finished - started, left, cpu


# The runs of one round, in order: (name, which jobs, statuses that mean accepted).
RUNS = (
    ("bare Django view", "bare", {200}),
    ("floor: token + 1 write", "floor", {200}),
    ("survey answer", "survey", {200}),
    ("bare DRF view", "bare-api", {201}),
    ("floor: API token + 1 write", "floor-api", {201}),
    ("complaint API", "complaint", {200, 201}),
    ("complaint API, respond-async", "complaint-async", {202}),
)
# With --peer: our public complaint form and complaint API, and django-helpdesk's public ticket
# form and ticket API on its own server (benchmarks/peer_setup.py), in the same rounds.
PEER_RUNS = (
    ("public complaint form", "complaint-form", {200, 302}),
    ("peer: helpdesk public form", "peer-form", {200, 302}),
    ("peer: helpdesk ticket API", "peer-api", {200, 201}),
)
PEER_RATIOS = (
    (
        "public complaint form / helpdesk form",
        "public complaint form",
        "peer: helpdesk public form",
    ),
    ("complaint API / helpdesk ticket API", "complaint API", "peer: helpdesk ticket API"),
)
# (what, ours, against): the ratios reported, each a median over the rounds.
RATIOS = (
    ("floor / bare Django view", "floor: token + 1 write", "bare Django view"),
    ("survey answer / bare Django view", "survey answer", "bare Django view"),
    ("survey answer / its floor", "survey answer", "floor: token + 1 write"),
    ("API floor / bare DRF view", "floor: API token + 1 write", "bare DRF view"),
    ("complaint API / bare DRF view", "complaint API", "bare DRF view"),
    ("complaint API / API floor", "complaint API", "floor: API token + 1 write"),
    (
        "complaint API async / API floor",
        "complaint API, respond-async",
        "floor: API token + 1 write",
    ),
)


def round_jobs(kind: str, tokens, questions, api_token: str, complaints: int, offset: int):
    if kind == "complaint-form":
        return complaint_form_jobs(complaints, offset)
    if kind == "peer-form":
        return peer_form_jobs(complaints, offset)
    if kind == "peer-api":
        return peer_api_jobs(complaints, api_token, offset)
    if kind == "bare":
        return bare_jobs(len(tokens), "/bench/bare/", False)
    if kind == "floor":
        return survey_jobs(tokens, questions, "/bench/floor")
    if kind == "survey":
        return survey_jobs(tokens, questions)
    if kind == "bare-api":
        return bare_jobs(complaints, "/bench/bare-api/", True)
    if kind == "floor-api":
        return complaint_jobs(complaints, api_token, "/bench/floor-api/", offset)
    return complaint_jobs(
        complaints, api_token, offset=offset, respond_async=kind == "complaint-async"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--surveys", type=int, default=10_000)
    parser.add_argument("--complaints", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every run")
    parser.add_argument(
        "--peer", action="store_true", help="also django-helpdesk 2.6.1's form and API, interleaved"
    )
    args = parser.parse_args()
    env = fresh_database("load")
    tokens, api_token, questions = prepare(args.surveys)
    port = free_port()
    server = start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "feedback_app.wsgi",
            f"--workers={args.workers}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            "--timeout=60",
        ],
        env,
    )
    runs = RUNS + (PEER_RUNS if args.peer else ())
    peer = peer_port = peer_token = None
    if args.peer:
        from peer_setup import environment, python, setup

        peer_database = CACHE / "peer.sqlite3"
        peer_token = setup(peer_database)
        peer_port = free_port()
        peer = start(
            [
                python(),
                "-m",
                "gunicorn",
                "peer.wsgi",
                f"--workers={args.workers}",
                f"--bind=127.0.0.1:{peer_port}",
                "--log-level=warning",
                "--timeout=60",
            ],
            environment(peer_database),
        )
    rates: dict[str, list[float]] = {name: [] for name, _kind, _ok in runs}
    loads: list[float] = []
    accepted = {
        name: Run(name)
        for name in (
            "survey answer",
            "complaint API",
            "complaint API, respond-async",
            "public complaint form",
        )
    }
    per_round = args.complaints // args.rounds
    try:
        wait_for(port)
        if peer:
            wait_for(peer_port)
            asyncio.run(
                drive(peer_port, Run("warm-up"), peer_form_jobs(100, 10**6), 20, {200, 302})
            )
        # Warm up every worker on every path before anything is timed.
        for path, json_body in (("/bench/bare/", False), ("/bench/bare-api/", True)):
            asyncio.run(
                drive(port, Run("warm-up"), bare_jobs(200, path, json_body), 20, {200, 201})
            )
        for number in range(args.rounds):
            # Each round answers its own invitations and sends its own complaint keys.
            share = tokens[number :: args.rounds]
            for name, kind, ok in runs:
                on_peer = kind.startswith("peer")
                jobs = round_jobs(
                    kind,
                    share,
                    questions,
                    peer_token if on_peer else api_token,
                    per_round,
                    offset=number * per_round,
                )
                target = peer_port if on_peer else port
                run = asyncio.run(
                    drive(target, Run(f"{name} #{number + 1}"), jobs, args.clients, ok)
                )
                loads.append(os.getloadavg()[0])
                print(run.line(), flush=True)
                rates[name].append(len(run.latencies) / run.seconds)
                if name in accepted:
                    accepted[name].accepted |= run.accepted
    finally:
        stop(server)
        if peer:
            stop(peer)
    print(f"load average during the runs: median {statistics.median(loads):.2f}")
    for what, ours, against in RATIOS + (PEER_RATIOS if args.peer else ()):
        ratios = [a / b for a, b in zip(rates[ours], rates[against], strict=True)]
        print(
            f"{what:<34} median {statistics.median(ratios):.2f}"
            f" (min {min(ratios):.2f}, max {max(ratios):.2f}, {len(ratios)} rounds)"
        )
    surveys, complaints = accepted["survey answer"], accepted["complaint API"]
    complaints.accepted |= accepted["complaint API, respond-async"].accepted
    form = accepted["public complaint form"]
    problems = verify(surveys, complaints, form)
    total = len(surveys.accepted) + len(complaints.accepted) + len(form.accepted)
    seconds, left, _cpu = triage_backlog(env, total)
    print(
        f"store and triage backlog: {total:,} items in {seconds:.0f} s"
        f" ({total / seconds:.0f} items/s)"
    )
    if left:
        problems.append(f"{left} items still untriaged")
    problems += verify(surveys, complaints, form)
    print("\n".join(problems) if problems else "every accepted item stored and triaged once")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
