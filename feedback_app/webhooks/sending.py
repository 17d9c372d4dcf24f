"""One HTTP request to a receiver: the body in the endpoint's format, its Standard Webhooks
signature (HMAC-SHA256 over the event id, the timestamp and the body), the address check that
keeps a registered URL from reaching into our own network, and what the receiver answered."""

import ipaddress
import json
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook as Signer

from feedback_app.webhooks.models import Webhook

USER_AGENT = "feedback-recovery-webhooks/1"
# What is kept of a receiver's answer in the delivery log.
RESPONSE_KEPT = 2000
# After a rotation, deliveries carry both signatures this long, so a receiver can switch over.
ROTATION_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    body: str = ""
    error: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def slack_escape(text: str) -> str:
    """Slack reads &, < and > as markup (links, mentions); text from customers must not be."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def body_for(webhook: Webhook, payload: dict) -> str:
    if webhook.format == Webhook.Format.SLACK:
        text = slack_escape(payload["summary"])
        if payload.get("url"):
            text += f" <{payload['url']}|Open>"
        return json.dumps({"text": text}, ensure_ascii=False)
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def signature(webhook: Webhook, event_id: str, at: datetime, body: str) -> str:
    """The `webhook-signature` header: "v1,<base64>", with the previous secret's signature
    beside it for a day after the secret was rotated."""
    secrets = [webhook.secret]
    if (
        webhook.previous_secret
        and webhook.rotated_at
        and at - webhook.rotated_at < ROTATION_OVERLAP
    ):
        secrets.append(webhook.previous_secret)
    return " ".join(Signer(secret).sign(event_id, at, body) for secret in secrets)


def address_refusal(url: str) -> str:
    """Why this URL may not be called ('' when it may): only https to public addresses, unless
    WEBHOOKS_ALLOW_LOCAL (development and tests) also allows http and this machine's network.
    Checked when an endpoint is saved and again before every request, since a name can come to
    point elsewhere."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Give a full web address, starting with https://.")
    if settings.WEBHOOKS_ALLOW_LOCAL:
        return ""
    if parts.scheme != "https":
        return _("Use an https:// address: events carry customers' names and what they said.")
    try:
        port = parts.port or 443
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        return _("%(host)s cannot be found (no DNS record).") % {"host": parts.hostname}
    for *_rest, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if not address.is_global:
            return _(
                "%(host)s is on a private or local network (%(address)s); it must be public."
            ) % {"host": parts.hostname, "address": address}
    return ""


def post(webhook: Webhook, payload: dict, event_id: str) -> Answer:
    """Send one event to the endpoint and return the answer; never raises for the receiver's
    failures (they are the answer). Redirects are not followed (they could lead inside)."""
    refusal = address_refusal(webhook.url)
    if refusal:
        return Answer(None, error=refusal)
    body = body_for(webhook, payload)
    at = datetime.now(UTC)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature(webhook, event_id, at, body),
    }
    started = time.perf_counter()
    try:
        with requests.post(
            webhook.url,
            data=body.encode(),
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT,
            allow_redirects=False,
            stream=True,
        ) as response:
            kept = response.raw.read(RESPONSE_KEPT * 4, decode_content=True) or b""
            text = kept.decode(response.encoding or "utf-8", errors="replace")[:RESPONSE_KEPT]
            status = response.status_code
    except requests.Timeout:
        error = f"No answer within {settings.WEBHOOK_TIMEOUT:g} s."
        return Answer(None, error=error, duration_ms=_since(started))
    except requests.RequestException as exc:
        error = f"Could not reach it: {type(exc).__name__}: {exc}"[:300]
        return Answer(None, error=error, duration_ms=_since(started))
    error = ""
    if 300 <= status < 400:
        error = "It answered with a redirect; redirects are not followed: register the new address."
    return Answer(status, body=text, error=error, duration_ms=_since(started))


def _since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
