"""`Prefer: respond-async` on the complaint API: checked and accepted at once (202 with a
receipt), filed by the background store as any complaint is filed, once, whatever is sent twice
or fails on the way; the receipt says where it stands."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from feedback_app.customers.models import Customer
from feedback_app.customers.privacy import customer_erase
from surveys.models import Complaint, ReceivedComplaint
from surveys.services import received, received_complaints
from surveys.services.received import received_store, received_sweep
from tests.factories import staff_user

pytestmark = pytest.mark.django_db
ASYNC = {"HTTP_PREFER": "respond-async"}
URL = "/api/v1/complaints/"


@pytest.fixture
def shop(api_client):
    user = staff_user("integration", username="shop")
    api_client.force_authenticate(user)
    return user


@pytest.fixture
def no_worker(no_worker, monkeypatch):
    monkeypatch.setattr(received, "_last_kick", None)
    return no_worker


def complaint(n=1, **more):
    return {
        "customer": {"email": f"ann{n}@example.com"},
        "text": "My parcel never arrived.",
        **more,
    }


def receipt(api_client, key):
    return api_client.get(f"{URL}receipt/", {"key": key})


def test_accepted_at_once_with_a_receipt_and_filed_by_the_store(api_client, shop, no_worker):
    answer = api_client.post(URL, complaint(idempotency_key="order-7"), format="json", **ASYNC)
    assert answer.status_code == 202
    assert answer["Preference-Applied"] == "respond-async"
    assert answer.data["receipt"] == "order-7"
    assert answer.data["state"] == "waiting"
    assert answer["Location"] == answer.data["url"]
    assert not Complaint.objects.exists()
    assert receipt(api_client, "order-7").data["state"] == "waiting"

    assert received_store() == 1

    filed = Complaint.objects.get()
    assert filed.customer.identities.get().normalized == "ann1@example.com"
    assert filed.submitted_by == shop
    assert filed.idempotency_key == f"u{shop.pk}:order-7"
    assert filed.customer.timeline.filter(kind="complaint.received").exists()
    assert not ReceivedComplaint.objects.exists()
    now = receipt(api_client, "order-7").data
    assert now["state"] == "filed"
    assert now["complaint"]["id"] == filed.pk
    assert now["complaint"]["case_number"] == filed.case_number


def test_without_a_key_one_is_made_and_the_complaint_keeps_it(api_client, shop, no_worker):
    answer = api_client.post(URL, complaint(), format="json", **ASYNC)
    key = answer.data["receipt"]
    assert len(key) >= 20
    received_store()
    assert receipt(api_client, key).data["complaint"]["id"] == Complaint.objects.get().pk


def test_the_accepted_moment_is_the_complaint_s_when_the_sender_gives_none(
    api_client, shop, no_worker
):
    answer = api_client.post(URL, complaint(idempotency_key="k"), format="json", **ASYNC)
    accepted_at = ReceivedComplaint.objects.get().received_at
    assert answer.status_code == 202
    received_store()
    assert Complaint.objects.get().received_at == accepted_at


def test_sent_twice_before_and_after_filing_it_is_filed_once(api_client, shop, no_worker):
    for _ in range(2):
        api_client.post(URL, complaint(idempotency_key="same"), format="json", **ASYNC)
    assert ReceivedComplaint.objects.count() == 1
    received_store()
    again = api_client.post(URL, complaint(idempotency_key="same"), format="json", **ASYNC)
    assert again.status_code == 202
    received_store()
    assert Complaint.objects.count() == 1
    assert not ReceivedComplaint.objects.exists()
    assert receipt(api_client, "same").data["state"] == "filed"


def test_without_the_preference_the_answer_is_the_stored_complaint(api_client, shop):
    answer = api_client.post(URL, complaint(), format="json", HTTP_PREFER="return=representation")
    assert answer.status_code == 201
    assert "Preference-Applied" not in answer
    assert answer.data["id"] == Complaint.objects.get().pk


@pytest.mark.parametrize(
    "payload",
    [
        {"customer": {"email": "not an address"}, "text": "Late"},  # no usable identity
        {"customer": {"email": "ann@example.com"}, "text": "   "},
        {
            "customer": {"email": "ann@example.com"},
            "text": "Late",
            "received_at": "2999-01-01T00:00Z",
        },
        {"customer": {"email": "ann@example.com"}, "text": ["not", "text"]},
    ],
)
def test_what_filing_would_refuse_is_refused_at_once(api_client, shop, no_worker, payload):
    answer = api_client.post(URL, payload, format="json", **ASYNC)
    assert answer.status_code == 400
    assert not ReceivedComplaint.objects.exists()


def test_a_row_that_fails_is_kept_counted_and_filed_by_the_sweep(
    api_client, shop, no_worker, monkeypatch
):
    api_client.post(URL, complaint(1, idempotency_key="bad"), format="json", **ASYNC)
    api_client.post(URL, complaint(2, idempotency_key="good"), format="json", **ASYNC)
    real = received_complaints.complaint_submit

    def failing_once(**fields):
        if fields["idempotency_key"] == "bad":
            raise RuntimeError("the disk is full")
        return real(**fields)

    monkeypatch.setattr(received_complaints, "complaint_submit", failing_once)
    assert received_store() == 1
    row = ReceivedComplaint.objects.get()
    assert (row.attempts, row.last_error) == (1, "RuntimeError: the disk is full")
    assert receipt(api_client, "bad").data["state"] == "failing"

    monkeypatch.setattr(received_complaints, "complaint_submit", real)
    later = row.received_at + received.RECEIVED_SWEEP_AFTER * 2
    assert received_sweep(now=later) == 1
    assert Complaint.objects.count() == 2
    assert receipt(api_client, "bad").data["state"] == "filed"


def test_the_sweep_files_what_a_lost_task_left_waiting(api_client, shop, no_worker):
    api_client.post(URL, complaint(idempotency_key="lost"), format="json", **ASYNC)
    no_worker.purge_queue()  # the store task is lost with its worker
    row = ReceivedComplaint.objects.get()
    assert received_sweep(now=row.received_at) == 0  # not yet: its task may still come
    assert received_sweep(now=row.received_at + received.RECEIVED_SWEEP_AFTER * 2) == 1
    assert Complaint.objects.count() == 1


def test_a_receipt_is_the_sender_s_own(api_client, shop, no_worker):
    api_client.post(URL, complaint(idempotency_key="mine"), format="json", **ASYNC)
    received_store()
    api_client.force_authenticate(staff_user("integration", username="other-shop"))
    assert receipt(api_client, "mine").status_code == 404
    assert receipt(api_client, "").status_code == 404


def test_agents_may_not_send_or_read_receipts(api_client, no_worker):
    api_client.force_authenticate(staff_user("agent"))
    assert api_client.post(URL, complaint(), format="json", **ASYNC).status_code == 403
    assert receipt(api_client, "x").status_code == 403


def test_accepting_costs_one_write(client, no_worker):
    user = staff_user("integration", username="counted")
    headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}", **ASYNC}
    body = complaint(idempotency_key="first")
    client.post(URL, body, content_type="application/json", **headers)  # token kept, task queued
    with CaptureQueriesContext(connection) as captured:
        answer = client.post(
            URL, complaint(idempotency_key="second"), content_type="application/json", **headers
        )
    assert answer.status_code == 202
    # The test's transaction puts a savepoint around it; on its own it is one autocommit INSERT.
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) == 1
    assert 'INSERT INTO "surveys_receivedcomplaint"' in statements[0]


def test_erasure_files_and_erases_a_complaint_still_waiting(api_client, shop, no_worker):
    api_client.post(URL, complaint(idempotency_key="early"), format="json", **ASYNC)
    received_store()
    customer = Customer.objects.get()
    api_client.post(URL, complaint(idempotency_key="waiting"), format="json", **ASYNC)
    assert ReceivedComplaint.objects.exists()

    customer_erase(customer=customer)

    assert not ReceivedComplaint.objects.exists()
    assert set(customer.complaints.values_list("text", flat=True)) == {"[erased]"}
    assert customer.complaints.count() == 2
