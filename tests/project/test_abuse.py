"""Abuse the product must withstand: rate limits that hold across web workers, a password reset
that cannot flood an inbox, and a Content-Security-Policy under which no inline script runs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.factories import delivery_survey, open_ticket, staff_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

COUNT_IN_ANOTHER_PROCESS = """
import django
django.setup()
from django.test import RequestFactory
from django_ratelimit.core import is_ratelimited
request = RequestFactory().post("/complaint/", REMOTE_ADDR="203.0.113.9")
for _ in range({n}):
    is_ratelimited(request, group="complaint", key="ip", rate="5/h", method="POST", increment=True)
"""


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="with Redis every worker shares Redis")
def test_without_redis_every_worker_process_shares_the_rate_counts(client, settings):
    """Another process (another gunicorn worker) spends 3 of the 5 posts an address may make:
    this process then has 2 left, not 5."""
    assert settings.CACHES["default"]["BACKEND"] == "feedback_app.core.cache.SharedDiskCache"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "feedback_app.settings_test"}
    subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", COUNT_IN_ANOTHER_PROCESS.format(n=3)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    settings.PUBLIC_FORM_RATE = "5/h"
    data = {"full_name": "Ann", "email": "ann@example.com", "text": "Broken."}
    codes = []
    for _ in range(3):
        data["submission"] = f"00000000-0000-0000-0000-00000000000{len(codes)}"
        codes.append(client.post(reverse("complaint"), data, REMOTE_ADDR="203.0.113.9").status_code)
    assert codes == [200, 200, 429]


COUNT_AT_ONCE = """
import django
django.setup()
from django.core.cache import cache
for _ in range({n}):
    cache.incr("counted-at-once")
"""


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="with Redis every worker shares Redis")
def test_two_workers_counting_at_once_lose_no_count():
    """A count is added to in one step: two processes adding at the same time (two gunicorn
    workers taking posts from one address) lose none of each other's."""
    from django.core.cache import cache

    cache.set("counted-at-once", 0, 600)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "feedback_app.settings_test"}
    workers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", COUNT_AT_ONCE.format(n=400)], cwd=ROOT, env=env
        )
        for _ in range(2)
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    assert cache.get("counted-at-once") == 800


def test_password_reset_is_limited_per_address_and_per_account(client, settings):
    settings.PASSWORD_RESET_RATE = "3/h"
    staff_user("agent", username="alex", email="alex@example.com")
    url = reverse("password_reset")
    codes = [
        client.post(url, {"email": "alex@example.com"}, REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(5)
    ]
    assert codes == [302, 302, 302, 429, 429]  # five addresses, one account: three e-mails
    assert len(mail.outbox) == 3
    codes = [
        client.post(url, {"email": f"x{n}@example.com"}, REMOTE_ADDR="192.0.2.1").status_code
        for n in range(4)
    ]
    assert codes == [302, 302, 302, 429]  # one address asking about many accounts
    page = client.post(url, {"email": "y@example.com"}, REMOTE_ADDR="192.0.2.1")
    assert "Please wait before asking again" in page.content.decode()


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_every_page_sends_the_policy_and_carries_no_inline_script(client, manager):
    ticket = open_ticket()
    survey = delivery_survey(public_link_enabled=True)
    public = [
        "/",
        reverse("complaint"),
        reverse("we-did"),
        reverse("login"),
        reverse("password_reset"),
        reverse("survey-public", args=[survey.public_token]),
        reverse("preferences", args=[ticket.customer.token]),
        reverse("api-docs"),
        reverse("api-redoc"),
    ]
    staff = [
        reverse("staff:home"),
        reverse("recovery:queue"),
        ticket.get_absolute_url(),
        reverse("recovery:dashboard", args=["experience"]),
        reverse("surveys:detail", args=[survey.pk]),
        ticket.customer.get_absolute_url(),
        reverse("admin:index"),
    ]
    for url in public + staff:
        if url == staff[0]:
            client.force_login(manager)
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0], url
        assert not INLINE_SCRIPT.search(response.content.decode()), url
