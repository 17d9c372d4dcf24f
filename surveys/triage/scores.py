"""What each score means, in one place: triage, the thank-you page, the survey builder, the
dashboards and the reports read a score's direction and its bands from here.

NPS runs 0-10 (detractor 0-6, passive 7-8, promoter 9-10). CSAT runs 1-5 (1-2 dissatisfied,
3 neither, 4-5 satisfied). CES runs 1-7 and is asked as "how easy was it?": 1 is very hard,
7 very easy, so a high CES is good, like the other two (1-3 hard, 4 neither, 5-7 easy). The
survey page and the builder show the ends of each scale in words (surveys/logic.py ENDS, in
the customer's language; triage itself needs no Django).
"""

from __future__ import annotations

from collections.abc import Sequence

from surveys.triage import reasons as said

SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def _rating(scale: str, score: float) -> tuple[str, bool, str]:
    """(category, strong, reason) for one score: category is negative, neutral or positive."""
    high = SCALES[scale][1]
    value = int(score)
    name = scale.upper()
    if scale == "nps":
        if value <= 6:
            return "negative", value <= 3, said.NPS_DETRACTOR % {"value": value}
        if value <= 8:
            return "neutral", False, said.NPS_PASSIVE % {"value": value}
        return "positive", False, said.NPS_PROMOTER % {"value": value}
    if scale == "csat":
        if value <= 2:
            return "negative", value == 1, said.CSAT_DISSATISFIED % {"value": value}
        if value == 3:
            return "neutral", False, said.CSAT_NEITHER
        return "positive", False, said.CSAT_SATISFIED % {"value": value}
    if value <= 3:
        return "negative", value == 1, said.CES_HARD % {"value": value}
    if value == 4:
        return "neutral", False, said.CES_NEITHER
    return "positive", False, said.CES_EASY % {"scale": name, "value": value, "high": high}


def category(scale: str, score: float) -> str:
    """negative, neutral or positive: the band a score falls in."""
    return _rating(scale, score)[0]


# Which scales' happy answers outweigh which scales' mildly unhappy ones: NPS is the headline, then
# CSAT, then CES. A promoter who found it a bit hard (CES 2-3) or was a bit dissatisfied
# (CSAT 2) is not a failure by the numbers: the words decide. An unhappy NPS, and the worst
# answer on any scale (CSAT 1, CES 1), always are.
OUTWEIGHS = {"csat": ("nps",), "ces": ("nps", "csat")}


def scored(scores: Sequence[tuple[str, float]]) -> tuple[list, list[tuple[str, int]]]:
    """Each score as (scale, value, category, strong, reason), and the unhappy ones that make
    the item a failure whatever the words say (those outweighed say so in their reason)."""
    ratings = [(scale, int(value), *_rating(scale, value)) for scale, value in scores]
    happy = {scale: value for scale, value, category, _s, _r in ratings if category == "positive"}
    rated, forcing = [], []
    for scale, value, category, strong, reason in ratings:
        over = next((s for s in OUTWEIGHS.get(scale, ()) if s in happy), None)
        if category == "negative" and not strong and over is not None:
            reason = said.OUTWEIGHED % {
                "reason": reason,
                "scale": over.upper(),
                "value": happy[over],
            }
            category = "outweighed"
        elif category == "negative":
            forcing.append((scale, value))
            if scale != "ces":  # "means it was hard for the customer" says enough
                reason = said.FAILURE_ANYWAY % {"reason": reason}
        rated.append((scale, value, category, strong, reason))
    return rated, forcing


def unhappy_scores(scores: Sequence[tuple[str, object]]) -> bool:
    """Whether the scores alone open a case whatever the words say (an NPS detractor, a
    dissatisfied CSAT or a hard CES that no happier headline score outweighs): the thank-you
    page says sorry for it. Scores that are missing or not numbers are left out."""
    checked = []
    for scale, score in scores:
        try:
            check_score(scale, int(score))
        except (TypeError, ValueError):
            continue
        checked.append((scale, int(score)))
    return bool(scored(checked)[1])


def check_score(scale: str | None, score) -> None:
    """Raise ValueError unless (scale, score) is a known scale with a whole number in range."""
    if scale is None and score is None:
        return
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    if isinstance(score, bool) or not isinstance(score, int | float) or float(score) != int(score):
        raise ValueError("score must be a whole number")
    low, high = SCALES[scale]
    if not low <= score <= high:
        raise ValueError(f"a {scale} score is from {low} to {high}")
