"""Text messages: how a text is encoded and cut to fit, and the gateways that send it.

A text goes as GSM-7 when every character is in the GSM 03.38 alphabet (160 characters in one
part, 153 in each part of a longer one; the extension characters such as € and [ take two) and
as UCS-2 otherwise (70, or 67 per part, counted in UTF-16 units: an emoji takes two). One
character outside the alphabet halves what fits, so the cut marks itself with "..." in GSM-7.

SMS_BACKEND chooses the gateway: "console" prints (development), "memory" keeps them in
`outbox` (tests), "twilio" sends through Twilio's REST Messages API (SMS_API_URL,
SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM), whose status callbacks and incoming texts come
back signed (`signature_valid`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import sys
import uuid
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")
GSM7, UCS2 = "GSM-7", "UCS-2"


def encoding(text: str) -> str:
    return GSM7 if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text) else UCS2


def units(text: str) -> int:
    """The length a network counts: septets in GSM-7, UTF-16 code units in UCS-2."""
    if encoding(text) == GSM7:
        return sum(2 if c in GSM_EXTENSION else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    single, part = (160, 153) if encoding(text) == GSM7 else (70, 67)
    size = units(text)
    return 1 if size <= single else math.ceil(size / part)


def sms_fit(text: str, max_segments: int, tail: str = "") -> str:
    """`text` with `tail` after it (a link), cut at a word so the whole fits in
    `max_segments` parts; spaces run together so no part is spent on them."""
    text = " ".join(text.split())
    joined = f"{text} {tail}".strip()
    if segments(joined) <= max_segments:
        return joined
    mark = "..." if encoding(joined) == GSM7 else "…"
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits
        middle = (low + high + 1) // 2
        if segments(f"{text[:middle].rstrip()}{mark} {tail}".strip()) <= max_segments:
            low = middle
        else:
            high = middle - 1
    cut = text[:low]
    if " " in cut and low < len(text):
        cut = cut.rsplit(" ", 1)[0]
    return f"{cut.rstrip()}{mark} {tail}".strip()


@dataclass(frozen=True)
class Sent:
    """What the gateway said: its id for the text (receipts name it) and its status."""

    provider_id: str
    status: str = "sent"


class GatewayError(Exception):
    """The gateway refused the text. `permanent`: the number itself will not work (the
    identity is then marked undeliverable)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class ConsoleGateway:
    def send(self, *, to: str, body: str, reference: str) -> Sent:
        sys.stdout.write(f"SMS to {to} ({segments(body)} part(s), {encoding(body)}):\n{body}\n")
        return Sent(f"console-{uuid.uuid4().hex[:12]}")


class MemoryGateway:
    """Keeps what it sends in `outbox` (tests look at it)."""

    outbox: list[dict] = []

    def send(self, *, to: str, body: str, reference: str) -> Sent:
        provider_id = f"memory-{uuid.uuid4().hex[:12]}"
        MemoryGateway.outbox.append({"to": to, "body": body, "id": provider_id, "ref": reference})
        return Sent(provider_id)


# Twilio error codes that say the number itself cannot take texts.
PERMANENT_CODES = {21211, 21214, 21408, 21610, 21612, 21614, 30005, 30006}


class TwilioGateway:
    """Twilio's Messages API: a form POST with basic auth; the answer names the message's sid."""

    def send(self, *, to: str, body: str, reference: str) -> Sent:
        account = settings.SMS_ACCOUNT_SID
        url = f"{settings.SMS_API_URL}/2010-04-01/Accounts/{account}/Messages.json"
        form = {
            "To": to,
            "From": settings.SMS_FROM,
            "Body": body,
            "StatusCallback": settings.SITE_URL + reverse("sms-status"),
        }
        try:
            answer = requests.post(
                url, data=form, auth=(account, settings.SMS_AUTH_TOKEN), timeout=15
            )
        except requests.RequestException as exc:
            raise GatewayError(f"gateway unreachable: {type(exc).__name__}") from exc
        try:
            data = answer.json()
        except ValueError:
            data = {}
        if answer.status_code >= 400 or "sid" not in data:
            code = data.get("code")
            text = f"gateway refused it ({answer.status_code}"
            text += f", code {code}): {data.get('message', '')}" if code else ")"
            raise GatewayError(text[:300], permanent=code in PERMANENT_CODES)
        return Sent(data["sid"], data.get("status", "queued"))


GATEWAYS = {"console": ConsoleGateway, "memory": MemoryGateway, "twilio": TwilioGateway}


def gateway():
    """The configured gateway, or None when no text can be sent (SMS_BACKEND unset)."""
    name = settings.SMS_BACKEND
    if not name:
        return None
    if name not in GATEWAYS:
        raise ImproperlyConfigured(f"SMS_BACKEND must be one of {', '.join(GATEWAYS)}.")
    return GATEWAYS[name]()


def signature_valid(url: str, params: dict[str, str], signature: str) -> bool:
    """Twilio's request signature: HMAC-SHA1, keyed with the auth token, of the full URL and
    then each POST parameter's name and value in the names' order, base64."""
    token = settings.SMS_AUTH_TOKEN
    if not token or not signature:
        return False
    data = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), signature)
