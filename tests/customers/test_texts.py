"""Text messages: encoding and cutting, the Twilio gateway against a fake of its API on
loopback, signed delivery receipts, and what customers text back (STOP, START, a reply)."""

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs

import pytest
from django.urls import reverse

from feedback_app.customers.models import ContactPreference, IncomingMessage, Message
from feedback_app.customers.outbox import message_send
from feedback_app.customers.services.resolve import customer_resolve
from feedback_app.customers.sms import GSM7, UCS2, MemoryGateway, encoding, segments, sms_fit
from tests.loopback import Receiver

PHONE = "+447700900123"


# --- encoding and length ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected_encoding, parts",
    [
        ("a" * 160, GSM7, 1),
        ("a" * 161, GSM7, 2),
        ("a" * 306, GSM7, 2),
        ("a" * 307, GSM7, 3),
        ("€" * 80, GSM7, 1),  # two septets each
        ("€" * 81, GSM7, 2),
        ("Café £5 @ 9:00 Ñ" + "a" * 100, GSM7, 1),
        ("ç" * 70, UCS2, 1),  # ç (small) is not in the GSM alphabet; Ç is
        ("ç" * 71, UCS2, 2),
        ("😀" * 35, UCS2, 1),  # two UTF-16 units each
        ("😀" * 36, UCS2, 2),
        ("Danke für Ihre Geduld … wirklich", UCS2, 1),
    ],
)
def test_encoding_and_parts(text, expected_encoding, parts):
    assert encoding(text) == expected_encoding
    assert segments(text) == parts


def test_a_long_text_is_cut_at_a_word_and_keeps_its_link():
    link = "https://shop.example/c/abc123"
    cut = sms_fit("We are sorry " * 40, 1, tail=link)
    assert cut.endswith("... " + link) and segments(cut) == 1
    assert set(cut.removesuffix("... " + link).split()) == {"We", "are", "sorry"}  # whole words
    french = sms_fit("Nous sommes désolés, ça arrive " * 20, 1, tail=link)
    assert french.endswith("… " + link) and encoding(french) == UCS2 and segments(french) == 1
    assert sms_fit("  Short   and\nsweet ", 1) == "Short and sweet"


# --- sending ---------------------------------------------------------------------------------


@pytest.fixture
def ann(db):
    return customer_resolve(phone=PHONE, full_name="Ann Lee").customer


def text(customer, body="We are sorry about your parcel.", key="t-1", **extra):
    return message_send(
        customer=customer,
        kind=Message.Kind.REPLY,
        purpose="recovery.apology",
        subject="About your order",
        body_text=body,
        channel="sms",
        thread="ticket:1",
        dedupe_key=key,
        **extra,
    )


def sent(capture, customer, **kwargs) -> Message:
    with capture(execute=True):
        message = text(customer, **kwargs)
    message.refresh_from_db()
    return message


def test_a_text_is_stored_as_sent_and_goes_through_the_gateway(
    ann, settings, django_capture_on_commit_callbacks
):
    settings.SMS_MAX_SEGMENTS = 1
    link = "https://shop.example/case/XYZ"
    message = sent(django_capture_on_commit_callbacks, ann, body="Sorry. " * 50 + f"\n{link}")
    assert message.status == "sent" and message.provider_id.startswith("memory-")
    assert message.body_text.endswith(link) and segments(message.body_text) == 1
    assert MemoryGateway.outbox == [
        {"to": PHONE, "body": message.body_text, "id": message.provider_id, "ref": str(message.pk)}
    ]


def test_without_a_gateway_a_text_fails_with_the_reason(
    ann, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = ""
    message = sent(django_capture_on_commit_callbacks, ann)
    assert message.status == "failed"
    assert message.reason == "no text message gateway is configured (SMS_BACKEND)"


def test_the_console_gateway_prints_the_text(
    ann, settings, capsys, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "console"
    message = sent(django_capture_on_commit_callbacks, ann)
    assert message.status == "sent"
    assert f"SMS to {PHONE} (1 part(s), GSM-7):\nWe are sorry" in capsys.readouterr().out


@pytest.fixture
def twilio(settings):
    """A fake of Twilio's Messages API on loopback, the app's gateway pointed at it."""
    server = Receiver()
    server.status, server.content_type = 201, "application/json"
    server.answer = json.dumps({"sid": "SM0001", "status": "queued"})
    settings.SMS_BACKEND = "twilio"
    settings.SMS_API_URL = server.base
    settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN = "AC123", "token-1"
    settings.SMS_FROM = "+447700900999"
    yield server
    server.close()


def test_twilio_gets_the_text_with_its_account_and_status_address(
    ann, twilio, django_capture_on_commit_callbacks
):
    message = sent(django_capture_on_commit_callbacks, ann)
    assert message.status == "sent" and message.provider_id == "SM0001"
    request = twilio.received[0]
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert (
        request["headers"]["Authorization"]
        == "Basic " + base64.b64encode(b"AC123:token-1").decode()
    )
    form = {name: values[0] for name, values in parse_qs(request["body"]).items()}
    assert form == {
        "To": PHONE,
        "From": "+447700900999",
        "Body": "We are sorry about your parcel.",
        "StatusCallback": "http://127.0.0.1:8000/sms/status/",
    }


def test_a_number_twilio_refuses_for_good_is_marked_undeliverable(
    ann, twilio, django_capture_on_commit_callbacks
):
    twilio.status = 400
    twilio.answer = json.dumps({"code": 21211, "message": "The 'To' number is not valid."})
    message = sent(django_capture_on_commit_callbacks, ann)
    assert message.status == "failed"
    assert message.reason == "gateway refused it (400, code 21211): The 'To' number is not valid."
    phone = ann.identities.get(kind="phone")
    assert phone.undeliverable_at and "21211" in phone.undeliverable_reason
    refused = text(ann, key="t-2")
    assert refused.status == "suppressed"
    assert refused.reason.startswith("text message address no longer reaches them: gateway refused")
    assert ann.timeline.filter(kind="identity.undeliverable").count() == 1


def test_a_gateway_that_fails_for_a_while_does_not_condemn_the_number(
    ann, twilio, django_capture_on_commit_callbacks
):
    twilio.status, twilio.answer, twilio.content_type = 503, "busy", "text/plain"
    message = sent(django_capture_on_commit_callbacks, ann)
    assert message.status == "failed" and message.reason == "gateway refused it (503)"
    assert ann.identities.get(kind="phone").undeliverable_at is None


# --- the gateway's calls to us ---------------------------------------------------------------


def signed_post(client, name, params, token=None):
    token = token or "token-1"
    url = "http://127.0.0.1:8000" + reverse(name)
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    signature = base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest())
    return client.post(reverse(name), params, HTTP_X_TWILIO_SIGNATURE=signature.decode())


@pytest.fixture
def listening(settings):
    settings.SMS_AUTH_TOKEN = "token-1"


def test_receipts_say_delivered_or_mark_the_number_undeliverable(
    client, ann, listening, django_capture_on_commit_callbacks
):
    message = sent(django_capture_on_commit_callbacks, ann)
    answer = signed_post(
        client, "sms-status", {"MessageSid": message.provider_id, "MessageStatus": "delivered"}
    )
    assert answer.status_code == 200 and answer["Content-Type"] == "text/xml"
    message.refresh_from_db()
    assert message.delivered_at is not None and message.status == "sent"

    second = sent(django_capture_on_commit_callbacks, ann, key="t-2")
    params = {
        "MessageSid": second.provider_id,
        "MessageStatus": "undelivered",
        "ErrorCode": "30005",
    }
    signed_post(client, "sms-status", params)
    signed_post(client, "sms-status", params)  # a receipt sent twice
    second.refresh_from_db()
    assert second.status == "failed"
    assert second.reason == "the network did not deliver it (undelivered, code 30005)"
    assert ann.identities.get(kind="phone").undeliverable_at is not None
    assert ann.timeline.filter(kind="message.failed").count() == 1


def test_an_unsigned_or_wrongly_signed_call_changes_nothing(
    client, ann, listening, settings, django_capture_on_commit_callbacks
):
    message = sent(django_capture_on_commit_callbacks, ann)
    params = {"MessageSid": message.provider_id, "MessageStatus": "failed"}
    assert client.post(reverse("sms-status"), params).status_code == 401
    assert signed_post(client, "sms-status", params, token="guess").status_code == 401
    message.refresh_from_db()
    assert message.status == "sent"
    settings.SMS_AUTH_TOKEN = ""
    assert signed_post(client, "sms-status", params).status_code == 404


def test_stop_stops_every_text_and_start_allows_them_again(client, ann, listening):
    signed_post(
        client, "sms-incoming", {"From": "07700 900123", "Body": " Stop. ", "MessageSid": "SM9"}
    )
    preference = ContactPreference.objects.get(customer=ann, channel="sms")
    assert not preference.allow_contact and preference.source == "text_keyword"
    refused = text(ann)
    assert refused.status == "suppressed"
    assert refused.reason == "customer refuses contact by text message"
    signed_post(client, "sms-incoming", {"From": PHONE, "Body": "START", "MessageSid": "SM10"})
    preference.refresh_from_db()
    assert preference.allow_contact and preference.allow_solicitations
    assert text(ann, key="t-2").status == "queued"


def test_a_text_back_joins_the_conversation_and_makes_the_number_usable_again(
    client, ann, listening, django_capture_on_commit_callbacks
):
    message = sent(django_capture_on_commit_callbacks, ann)
    ann.identities.filter(kind="phone").update(undeliverable_at=message.created_at)
    params = {"From": PHONE, "Body": "Thanks, but the box is still missing", "MessageSid": "SM7"}
    signed_post(client, "sms-incoming", params)
    signed_post(client, "sms-incoming", params)  # the gateway retried its call
    incoming = IncomingMessage.objects.get()
    assert (incoming.thread, incoming.channel, incoming.in_reply_to) == ("ticket:1", "sms", message)
    assert ann.identities.get(kind="phone").undeliverable_at is None


def test_texts_from_strangers_are_ignored(client, db, listening):
    answer = signed_post(client, "sms-incoming", {"From": "+15005550006", "Body": "STOP"})
    assert answer.status_code == 200
    assert not ContactPreference.objects.exists() and not IncomingMessage.objects.exists()


def test_staff_see_an_undeliverable_number_on_the_profile(
    manager_client, ann, twilio, django_capture_on_commit_callbacks
):
    twilio.status = 400
    twilio.answer = json.dumps({"code": 21614, "message": "Not a mobile number."})
    sent(django_capture_on_commit_callbacks, ann)
    page = manager_client.get(ann.get_absolute_url()).content.decode()
    assert "Undeliverable" in page and "code 21614" in page
