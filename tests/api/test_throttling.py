"""API writes are rate-limited per user; reads are not."""

import pytest

from feedback_app.core.api.throttling import WriteRateThrottle, parse_rate, write_counts_forget
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def test_writes_over_the_rate_get_429_and_reads_go_on(api_client, monkeypatch):
    monkeypatch.setattr(WriteRateThrottle, "THROTTLE_RATES", {"writes": "3/min"})
    api_client.force_authenticate(staff_user("integration"))
    payload = {"customer": {"email": "ann@example.com"}, "text": "Late"}
    codes = [
        api_client.post("/api/v1/complaints/", payload, format="json").status_code for _ in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    assert api_client.get("/api/v1/complaints/").status_code == 200
    other = staff_user("integration")
    api_client.force_authenticate(other)
    assert api_client.post("/api/v1/complaints/", payload, format="json").status_code == 201


def test_a_refused_write_says_when_to_try_again(api_client, monkeypatch):
    monkeypatch.setattr(WriteRateThrottle, "THROTTLE_RATES", {"writes": "1/min"})
    api_client.force_authenticate(staff_user("integration"))
    payload = {"customer": {"email": "ann@example.com"}, "text": "Late"}
    assert api_client.post("/api/v1/complaints/", payload, format="json").status_code == 201
    refused = api_client.post("/api/v1/complaints/", payload, format="json")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60


def test_a_write_costs_one_counter_whatever_the_rate(api_client, monkeypatch):
    """The window's count is one number, not the moment of every write in it."""
    from django.core.cache import cache

    monkeypatch.setattr(WriteRateThrottle, "THROTTLE_RATES", {"writes": "100000/min"})
    api_client.force_authenticate(staff_user("integration"))
    written = []
    monkeypatch.setattr(cache, "set", lambda key, value, *a, **k: written.append(value))
    for n in range(3):
        payload = {"customer": {"email": "ann@example.com"}, "text": f"Late {n}"}
        api_client.post("/api/v1/complaints/", payload, format="json")
    assert all(not isinstance(value, list | tuple) for value in written)


def writes(throttle_rate: str, user, count: int) -> list[bool]:
    """What the limit says to `count` writes from one worker process."""
    from rest_framework.test import APIRequestFactory

    request = APIRequestFactory().post("/api/v1/complaints/")
    request.user = user
    throttle = WriteRateThrottle()
    throttle.THROTTLE_RATES = {"writes": throttle_rate}
    return [throttle.allow_request(request, None) for _ in range(count)]


def another_worker():
    """What a second web worker process knows of the counts: only the shared cache."""
    write_counts_forget()


def test_workers_together_are_held_to_the_rate_within_a_step_each():
    """At 300 a minute a worker adds its writes to the shared count three at a time: a second
    worker sees the first's writes up to its last step, so together they get at most the rate
    plus one step, and never less than the rate."""
    user = staff_user("integration")
    first = writes("300/min", user, 149)  # 147 shared, 2 not yet
    another_worker()
    second = writes("300/min", user, 200)
    admitted = sum(first) + sum(second)
    assert all(first)
    assert 300 <= admitted <= 303


def test_under_two_hundred_a_window_every_write_is_shared_at_once():
    user = staff_user("integration")
    assert all(writes("150/h", user, 100))
    another_worker()
    assert sum(writes("150/h", user, 100)) == 50


def test_a_new_window_starts_a_new_count(monkeypatch):
    from feedback_app.core.api import throttling

    user = staff_user("integration")
    assert writes("2/min", user, 3) == [True, True, False]
    later = throttling.clock() + 61
    monkeypatch.setattr(throttling, "clock", lambda: later)
    assert writes("2/min", user, 3) == [True, True, False]


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("600/min", (600, 60)), ("10/s", (10, 1)), ("1000/day", (1000, 86400)), ("5/h", (5, 3600))],
)
def test_rates_are_read_as_drf_writes_them(rate, parsed):
    assert parse_rate(rate) == parsed


def test_at_high_rates_a_worker_shares_its_count_in_steps_of_a_hundredth(monkeypatch):
    from feedback_app.core.api import throttling

    shared = []
    monkeypatch.setattr(throttling, "_add", lambda key, count, period: shared.append(count) or 0)
    user = staff_user("integration")
    writes("100000/min", user, 2500)
    assert shared == [1000, 1000]
    shared.clear()
    writes("20/min", staff_user("integration"), 5)
    assert shared == [1] * 5
