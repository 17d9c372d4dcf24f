"""Human-labelled snippets for measuring triage, from a registry package (no download at run time
of anything but the package itself).

The vaderSentiment 3.3.2 source archive on PyPI (MIT licence) carries Hutto and Gilbert's
ICWSM 2014 ground truth: snippets each rated by about 20 people from -4 to +4. We use the
Amazon product-review snippets (the closest to customer feedback) and the tweets. A snippet whose
mean rating is below -0.5 is negative, above +0.5 positive, else neutral. The data stay in
benchmarks/.cache and are never committed.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
PACKAGE = "vaderSentiment==3.3.2"
SETS = {
    "amazon": "amazonReviewSnippets_GroundTruth.txt",
    "tweets": "tweets_GroundTruth.txt",
    # Trained on by benchmarks/train_model.py, never measured:
    "movies": "movieReviewSnippets_GroundTruth.txt",
    "nyt": "nytEditorialSnippets_GroundTruth.txt",
}
MEASURED = ("amazon", "tweets")
NEGATIVE_BELOW = -0.5
POSITIVE_ABOVE = 0.5


def _archive() -> Path:
    CACHE.mkdir(exist_ok=True)
    found = sorted(CACHE.glob("vaderSentiment-3.3.2.tar.gz"))
    if not found:
        subprocess.run(  # noqa: S603 - pip with fixed arguments
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                PACKAGE,
                "-d",
                str(CACHE),
            ],
            check=True,
        )
        found = sorted(CACHE.glob("vaderSentiment-3.3.2.tar.gz"))
    return found[0]


def ground_truth_dir() -> Path:
    target = CACHE / "hutto_ICWSM_2014"
    if not target.is_dir():
        with tarfile.open(_archive()) as outer:
            member = next(
                m for m in outer.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz")
            )
            inner = outer.extractfile(member)
            with tarfile.open(fileobj=inner) as data:
                data.extractall(CACHE, filter="data")
    return target


def label(rating: float) -> str:
    if rating < NEGATIVE_BELOW:
        return "negative"
    if rating > POSITIVE_ABOVE:
        return "positive"
    return "neutral"


def load(name: str) -> list[tuple[str, str]]:
    """(text, label) pairs of one set."""
    path = ground_truth_dir() / SETS[name]
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        try:
            rating = float(parts[1])
        except ValueError:
            continue
        rows.append(("\t".join(parts[2:]).strip(), label(rating)))
    return rows
