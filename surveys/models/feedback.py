"""What customers tell us: responses with their answers, and complaints."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.merge_rules import MOVE
from feedback_app.customers.models import Channel, Customer
from surveys.models.base import Segmented, Triaged, new_case_number
from surveys.models.invitations import Invitation
from surveys.models.surveys import Question, Survey


class Response(Segmented, Triaged):
    """One filled-in survey. Answers are its rows; triage fills in the fields of Triaged."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    CUSTOMER_MERGE = MOVE
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    # One answer per invitation: the database refuses a second.
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.PROTECT, related_name="response"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    submitted_at = models.DateTimeField(db_index=True)
    received_at = models.DateTimeField(auto_now_add=True)
    # Set by API clients and importers (and the public form) so a retried submit is recognised.
    # Scoped to the login that sent it (surveys.services.intake.client_key).
    idempotency_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    # The photos or PDFs that came with it (the customer layer's files, tied here).
    attachments = GenericRelation(
        "customers.Attachment", content_type_field="about_type", object_id_field="about_id"
    )
    # The login that sent it (an API client, a manager): an integration reads back only its own.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_reference = models.CharField(
        max_length=200, blank=True, help_text=_("Store, import file and row...")
    )
    # A copy of the response's NPS answer (0-10; its first NPS question if it has two), set when
    # it is stored: a customer's score before and after a ticket, an invitation or a notice is
    # then one seek in the index below instead of a join of answers and questions.
    nps = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["survey", "-submitted_at"]),
            models.Index(fields=["customer", "-submitted_at"]),
            models.Index(
                fields=["customer", "submitted_at", "nps"],
                condition=Q(nps__isnull=False),
                name="response_nps",
            ),
            # The triage sweep looks for the few that wait; only they are in this index.
            models.Index(
                fields=["received_at"],
                condition=Q(triaged_at__isnull=True),
                name="response_untriaged",
            ),
        ]

    feedback_kind = "response"

    def __str__(self) -> str:
        return f"Response #{self.pk} to {self.survey}"

    def get_absolute_url(self) -> str:
        return reverse("surveys:response", args=[self.pk])

    @property
    def happened_at(self):
        return self.submitted_at


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="one_answer_per_question"
            ),
        ]
        indexes = [models.Index(fields=["question", "number"])]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        if self.number is not None:
            return str(self.number)
        if self.choices:
            return ", ".join(self.choices)
        return self.text


class Complaint(Segmented, Triaged):
    """A customer telling us something went wrong: by web form, e-mail, API or file import."""

    CUSTOMER_MERGE = MOVE
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="complaints")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    reference = models.CharField(
        max_length=100, blank=True, help_text=_("Order or case number, if given.")
    )
    subject = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    contact_name = models.CharField(max_length=200, blank=True)
    # The reference the customer is given at once (thank-you page, acknowledgement).
    case_number = models.CharField(max_length=12, unique=True, default=new_case_number)
    received_at = models.DateTimeField(db_index=True)
    # A retry with the same key (an e-mail's Message-ID, an API client's key) is the same complaint.
    idempotency_key = models.CharField(max_length=320, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The photos or PDFs that came with it (the customer layer's files, tied here).
    attachments = GenericRelation(
        "customers.Attachment", content_type_field="about_type", object_id_field="about_id"
    )
    # The login that sent it (an API client, a manager): an integration reads back only its own.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    MAX_TEXT = 1_000_000

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-received_at"]),
            models.Index(
                fields=["created_at"],
                condition=Q(triaged_at__isnull=True),
                name="complaint_untriaged",
            ),
        ]

    feedback_kind = "complaint"

    def __str__(self) -> str:
        return f"Complaint #{self.pk}" + (f" ({self.reference})" if self.reference else "")

    def get_absolute_url(self) -> str:
        return reverse("surveys:complaint", args=[self.pk])

    @property
    def happened_at(self):
        return self.received_at


class ReceivedComplaint(models.Model):
    """A complaint sent to the API with `Prefer: respond-async`: checked and accepted, waiting
    for the background store (`surveys.services.received_complaints`) to file it as
    `complaint_submit` files any complaint (customer, timeline, triage).

    The request writes only this row and answers 202 with a receipt, its idempotency key: the
    sender's own, or one made for it. The row is deleted in the transaction that files the
    complaint, so each accepted complaint is filed once, whichever worker dies when.
    """

    # The sender's key as stored (scoped to the login, as Complaint.idempotency_key is): the
    # database refuses a second waiting row for one key.
    key = models.CharField(max_length=320, unique=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # complaint_submit's arguments as the API checked them (the customer's identities included).
    fields = models.JSONField()
    received_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(
                fields=["received_at", "id"],
                condition=Q(attempts=0),
                name="received_complaint_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"Complaint received {self.received_at:%Y-%m-%d %H:%M:%S} ({self.key})"
