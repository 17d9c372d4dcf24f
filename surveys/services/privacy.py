"""The surveys app's part of erasing a customer: what they wrote goes, their scores stay."""

from feedback_app.customers.privacy import ERASED
from surveys.models import Answer, Complaint, Event, Response


def erase_customer_feedback(customer) -> None:
    Answer.objects.filter(response__customer=customer).exclude(text="").update(text=ERASED)
    Response.objects.filter(customer=customer).update(source_reference="", idempotency_key=None)
    Complaint.objects.filter(customer=customer).update(
        text=ERASED, subject="", contact_name="", reference=""
    )
    Event.objects.filter(customer=customer).update(data={}, external_id="")
