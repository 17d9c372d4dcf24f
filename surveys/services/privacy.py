"""The surveys app's part of erasing a customer: what they wrote goes, their scores stay."""

from feedback_app.customers.privacy import ERASED
from surveys.models import (
    Answer,
    Complaint,
    Event,
    ReceivedAnswers,
    ReceivedComplaint,
    Response,
)
from surveys.services.received import received_store_one
from surveys.services.received_complaints import (
    received_complaint_file,
    received_complaints_naming,
)


def erase_customer_feedback(customer) -> None:
    # Answers accepted from the form but not stored yet are stored now (after any store task
    # that holds them has finished), so they are erased below like every other answer; rows
    # that cannot be stored are dropped rather than kept with what the customer wrote.
    waiting = ReceivedAnswers.objects.select_for_update(of=("self",)).filter(
        invitation__customer=customer
    )
    for key in waiting.values_list("pk", flat=True):
        received_store_one(key)
    ReceivedAnswers.objects.filter(invitation__customer=customer).delete()
    # Complaints the API accepted and has not filed yet, naming one of their identities: the same.
    naming = received_complaints_naming(customer)
    for key in naming:
        received_complaint_file(key)
    ReceivedComplaint.objects.filter(pk__in=naming).delete()
    Answer.objects.filter(response__customer=customer).exclude(text="").update(text=ERASED)
    Response.objects.filter(customer=customer).update(source_reference="", idempotency_key=None)
    Complaint.objects.filter(customer=customer).update(
        text=ERASED, subject="", contact_name="", reference=""
    )
    Event.objects.filter(customer=customer).update(data={}, external_id="")
