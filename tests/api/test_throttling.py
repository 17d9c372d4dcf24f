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
