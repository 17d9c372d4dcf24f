"""Rows per second and peak memory of the CSV import of survey responses.

    python benchmarks/imports.py [--rows 10000 100000 1000000]

For each size a CSV file is written once into benchmarks/.cache/ (customers by e-mail, an NPS
score, a comment, a submission time; about 1 row in 100 hostile or huge, 1 in 50 malformed),
then imported by a fresh process into a fresh SQLite file (or BENCH_DATABASE_URL) through the
same service the upload uses. The process's own memory (anonymous resident pages, sampled after
every chunk of rows) is read from the kernel, beside its peak resident size, which also counts
the pages of the database file that SQLite maps into memory. The import streams: its own memory
must not grow with the file.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
sys.path.insert(0, str(ROOT))


def write_csv(rows: int) -> Path:
    path = CACHE / f"import-{rows}.csv"
    if path.exists():
        return path
    rng = random.Random(11)
    comments = [
        "Arrived on time, thank you.",
        "The parcel was left in the rain.",
        "Driver was rude and the box was crushed.",
        "",
        "Great, as always.",
    ]
    with open(path.with_suffix(".tmp"), "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["email", "name", "submitted_at", "q1", "q2"])
        for n in range(rows):
            roll = rng.random()
            score = str(rng.randint(0, 10))
            comment = rng.choice(comments)
            if roll < 0.01:
                comment = '<script>alert(1)</script> =cmd|" /C calc"!A0 @SUM(1+1)'
            elif roll < 0.012:
                comment = "late " * 8_000  # 40,000 characters
            elif roll < 0.032:
                score = rng.choice(["eleven", "-3", "99"])  # rejected, with the line and reason
            writer.writerow(
                [
                    f"customer{rng.randint(0, rows // 3)}@example.com",
                    f"Customer {n}",
                    f"2026-{rng.randint(1, 10):02}-{rng.randint(1, 28):02}T10:00:00Z",
                    score,
                    comment,
                ]
            )
    path.with_suffix(".tmp").rename(path)
    return path


def run_one(path: Path) -> None:
    """In a fresh process: migrate a fresh database, import the file, print the figures."""
    database = CACHE / "import-bench.sqlite3"
    for leftover in CACHE.glob("import-bench.sqlite3*"):
        leftover.unlink()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database}")
    os.environ.update(  # production settings: DEBUG off (no query log), as in a worker
        {
            "DJANGO_SETTINGS_MODULE": "feedback_app.settings",
            "DEBUG": "0",
            "SECRET_KEY": "import-benchmark-" + "k" * 40,
            "ALLOWED_HOSTS": "localhost",
            "DATA_DIR": str(CACHE),
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    from surveys.models import ImportJob
    from surveys.services.building import question_add, survey_create, survey_publish
    from surveys.services.imports import import_run

    call_command("migrate", verbosity=0)
    survey = survey_create(name="Store visit", purpose="after_visit")
    question_add(survey=survey, kind="nps", prompt="How likely are you to recommend us?")
    question_add(survey=survey, kind="text", prompt="Anything else?", required=False)
    survey_publish(survey=survey)
    job = ImportJob.objects.create(kind="responses", survey=survey, filename=path.name)
    gc.collect()
    objects = len(gc.get_objects())
    before = own_memory()
    peak = before

    def sample(job):  # called after each chunk of rows
        nonlocal peak
        peak = max(peak, own_memory())

    started = time.perf_counter()
    with open(path, encoding="utf-8", newline="") as stream:
        job = import_run(job=job, stream=stream, progress=sample)
    seconds = time.perf_counter() - started
    resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    gc.collect()
    objects_after = len(gc.get_objects())
    print(
        f"{job.processed_rows:>9,} rows  {job.processed_rows / seconds:7.0f} rows/s  "
        f"accepted {job.accepted_rows:,}  duplicates {job.duplicate_rows:,}  "
        f"rejected {job.rejected_rows:,}  peak own memory {peak / 1024:.0f} MiB "
        f"({before / 1024:.0f} MiB before the import); peak resident, with the pages of the "
        f"database file SQLite maps and caches, {resident / 1024:.0f} MiB; Python objects "
        f"{objects:,} before, {objects_after:,} after",
        flush=True,
    )


def own_memory() -> int:
    """The process's own (anonymous) resident memory in KiB: its heap, not the database file's
    pages that SQLite reads through a memory map (page cache the kernel can drop)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(Path(args.one))
        return 0
    CACHE.mkdir(exist_ok=True)
    for rows in args.rows:
        path = write_csv(rows)
        subprocess.run(  # noqa: S603 - this script, in a fresh process
            [sys.executable, __file__, "--one", str(path)], check=True
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
