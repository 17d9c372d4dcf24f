"""`manage.py triage` as a whole process against a bare TextBlob script as a whole process, on
the same 5,000 texts: start-up, reading, triage and writing all count. Target: ours takes at most
1.2 times as long as the bare script.

    python benchmarks/triage_cli.py [--texts 5000] [--rounds 5]

Texts: the labelled Amazon and tweet snippets (benchmarks/labelled.py), as JSON lines on standard
input. Ours reads its topics from a migrated SQLite database (benchmarks/.cache/triage-cli), as
a real install does. The two processes run interleaved, --rounds times each; the figure is the
median of the per-round ratios (ours / bare), with their spread and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import MEASURED, load  # noqa: E402

BARE = """
import json, sys
from textblob import TextBlob
for line in sys.stdin:
    item = json.loads(line)
    polarity = TextBlob(item["text"]).sentiment.polarity
    sys.stdout.write(json.dumps({"id": item["id"], "polarity": polarity}) + "\\n")
"""


def timed(command: list[str], lines: Path, env: dict) -> float:
    with lines.open("rb") as stdin:
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 - our own programs
            command, stdin=stdin, stdout=subprocess.DEVNULL, check=True, env=env
        )
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = [text for name in MEASURED for text, _ in load(name)][: args.texts]
    with tempfile.TemporaryDirectory() as folder:
        lines = Path(folder) / "texts.jsonl"
        lines.write_text(
            "".join(json.dumps({"id": n, "text": t}) + "\n" for n, t in enumerate(texts))
        )
        python = sys.executable
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "feedback_app.settings",
            "DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{CACHE / 'triage-cli.sqlite3'}",
        }
        if not (CACHE / "triage-cli.sqlite3").exists():
            CACHE.mkdir(exist_ok=True)
            subprocess.run(  # noqa: S603 - our own manage.py
                [python, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env, check=True
            )
        ours_cmd = [python, str(ROOT / "manage.py"), "triage"]
        bare_cmd = [python, "-c", BARE]
        timed(ours_cmd, lines, env), timed(bare_cmd, lines, env)  # warm the file cache
        ratios, ours_s, bare_s, loads = [], [], [], []
        for _ in range(args.rounds):
            ours = timed(ours_cmd, lines, env)
            bare = timed(bare_cmd, lines, env)
            loads.append(os.getloadavg()[0])
            ours_s.append(ours)
            bare_s.append(bare)
            ratios.append(ours / bare)
    print(
        f"{len(texts):,} texts, {args.rounds} rounds, load average {statistics.median(loads):.2f}"
    )
    print(f"bare TextBlob script: median {statistics.median(bare_s):.2f} s")
    print(f"manage.py triage:     median {statistics.median(ours_s):.2f} s")
    print(
        f"ratio ours / bare: median {statistics.median(ratios):.2f} "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f}); target <= 1.2"
    )
    return 0 if statistics.median(ratios) <= 1.2 else 1


if __name__ == "__main__":
    sys.exit(main())
