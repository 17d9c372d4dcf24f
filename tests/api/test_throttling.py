"""API writes are rate-limited per user; reads are not."""

import pytest

from feedback_app.core.api.throttling import WriteRateThrottle
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
