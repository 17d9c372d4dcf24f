"""Telling managers without their asking: an alert when detractors or a topic rise above their
usual level (each day's count against the mean and spread of the days before, from the day
tables), and a weekly digest of what came in, what we recovered and what we shipped. Both reach
every manager as a notice (in the app, and by e-mail as each chose), once."""

from __future__ import annotations

from datetime import date, timedelta
from statistics import mean, pstdev
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from feedback_app.customers.models import Message
from recovery.models import Improvement, ImprovementNotice, StaffNotice, Ticket
from recovery.services.notices import managers, staff_notice
from surveys.models import Complaint, FeedbackDay, TopicDay
from surveys.services.rollups import grain_name

BASELINE_DAYS = 28  # the usual level: the mean of the 28 days before the day checked
SPREAD = 2  # above the usual level: more than the mean plus two standard deviations
MIN_COUNT = 3  # and at least this many, so one unhappy customer on a quiet day is no alert


def risen(count: int, history: list[int]) -> bool:
    """Whether `count` is above the usual level of `history` (one count per day)."""
    usual = mean(history) if history else 0.0
    spread = pstdev(history) if len(history) > 1 else 0.0
    return count >= MIN_COUNT and count > usual + SPREAD * spread


def rises(day: date) -> list[tuple[str, int, float, str]]:
    """What rose on `day`: (what, count that day, usual daily count, link to the rows)."""
    since = day - timedelta(days=BASELINE_DAYS)
    everything = grain_name(())
    feedback = reverse("surveys:feedback")
    found = []

    def check(what: str, by_day: dict[date, int], link: str) -> None:
        history = [by_day.get(since + timedelta(days=i), 0) for i in range(BASELINE_DAYS)]
        if risen(by_day.get(day, 0), history):
            found.append((what, by_day.get(day, 0), mean(history), link))

    detractors = dict(
        FeedbackDay.objects.filter(grain=everything, day__gte=since, day__lte=day)
        .values("day")
        .annotate(n=Sum("detractors"))
        .values_list("day", "n")
    )
    check("Detractors", detractors, f"{feedback}?{urlencode({'sentiment': 'negative'})}")
    mentions: dict[tuple[int, str], dict[date, int]] = {}
    for topic, name, when, n in (
        TopicDay.objects.filter(grain=everything, day__gte=since, day__lte=day)
        .values("topic", "topic__name", "day")
        .annotate(n=Sum("mentions"))
        .values_list("topic", "topic__name", "day", "n")
    ):
        mentions.setdefault((topic, name), {})[when] = n
    for (topic, name), by_day in sorted(mentions.items(), key=lambda kv: kv[0][1]):
        check(f"The topic “{name}”", by_day, f"{feedback}?{urlencode({'topic': topic})}")
    return found


def tell_managers(**notice) -> int:
    """One notice to every manager, once each (by its key); how many were told now."""
    return sum(1 for manager in managers() if staff_notice(user=manager, **notice))


def alerts_check(*, now=None) -> int:
    """Scheduled daily: alert every manager, once, about what rose yesterday."""
    day = timezone.localtime(now or timezone.now()).date() - timedelta(days=1)
    told = 0
    for what, count, usual, link in rises(day):
        text = (
            f"{what} rose on {day:%-d %b}: {count}, against a usual {usual:.1f} a day "
            f"over the {BASELINE_DAYS} days before."
        )
        told += tell_managers(
            kind=StaffNotice.Kind.ALERT, text=text, link=link, key=f"alert:{what}:{day}"
        )
    return told


def digest(*, since, until) -> tuple[str, str]:
    """The digest of [since, until): its one-line title and its text."""
    feedback = FeedbackDay.objects.filter(
        grain=grain_name(()),
        day__gte=timezone.localtime(since).date(),
        day__lt=timezone.localtime(until).date(),
    ).aggregate(items=Sum("items"), detractors=Sum("detractors"), failures=Sum("failures"))
    complaints = Complaint.objects.filter(received_at__gte=since, received_at__lt=until).count()
    tickets = Ticket.objects.aggregate(
        opened=Count("id", filter=Q(opened_at__gte=since, opened_at__lt=until)),
        resolved=Count("id", filter=Q(resolved_at__gte=since, resolved_at__lt=until)),
        answered=Count(
            "id",
            filter=Q(closed_at__gte=since, closed_at__lt=until, recovered__isnull=False),
        ),
        recovered=Count("id", filter=Q(closed_at__gte=since, closed_at__lt=until, recovered=True)),
        open=Count("id", filter=Q(closed_at__isnull=True)),
    )
    shipped = list(
        Improvement.objects.filter(
            status=Improvement.Status.SHIPPED, shipped_at__gte=since, shipped_at__lt=until
        ).values_list("title", flat=True)
    )
    told = ImprovementNotice.objects.filter(
        created_at__gte=since, created_at__lt=until, message__status=Message.Status.SENT
    ).count()
    last_day = timezone.localtime(until).date() - timedelta(days=1)
    recovered = tickets["recovered"]
    title = (
        f"The week to {last_day:%-d %b}: {recovered} customer{'s' if recovered != 1 else ''} "
        "recovered"
    )
    rate = (
        f"{round(100 * tickets['recovered'] / tickets['answered'])}% of those who answered"
        if tickets["answered"]
        else "nobody answered the follow-up yet"
    )
    lines = [
        title,
        "",
        "What came in",
        f"- {feedback['items'] or 0} pieces of feedback, {feedback['detractors'] or 0} "
        f"detractors, {feedback['failures'] or 0} failures",
        f"- {complaints} complaints",
        "",
        "What we recovered",
        f"- {tickets['opened']} tickets opened, {tickets['resolved']} resolved, "
        f"{tickets['open']} still open",
        f"- {recovered} said we made it right ({rate})",
        "",
        "What we shipped",
        *([f"- {name}" for name in shipped] or ["- nothing this week"]),
        f"- {told} customers told what changed",
    ]
    return title, "\n".join(lines)


def weekly_digest(*, now=None) -> int:
    """Scheduled weekly: the last seven whole days, to every manager, once a week."""
    today = timezone.localtime(now or timezone.now()).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    since = today - timedelta(days=7)
    title, text = digest(since=since, until=today)
    link = (
        reverse("recovery:dashboard", args=["overview"])
        + "?"
        + urlencode(
            {
                "start": since.date().isoformat(),
                "end": (today.date() - timedelta(days=1)).isoformat(),
            }
        )
    )
    return tell_managers(
        kind=StaffNotice.Kind.DIGEST,
        text=title,
        link=link,
        mail_body=text,
        key=f"digest:{since.date().isoformat()}",
    )
