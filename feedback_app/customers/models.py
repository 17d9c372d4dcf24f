"""The customer profile shared by intake and recovery: one person, many identities, one timeline.

This is the lowest layer: it imports neither `surveys` nor `recovery`. Those apps point their
foreign keys here; a merge moves them all without knowing their names.
"""

import secrets
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_app.core.phrases import phrase_text
from feedback_app.customers.languages import language_choices
from feedback_app.customers.merge_rules import MOVE, OWN_STEP, STAYS, keep_one


def new_customer_token() -> str:
    # 256 bits of randomness; the token carries no customer data, so a leaked link tells nothing.
    return secrets.token_urlsafe(32)


def new_reply_key() -> str:
    # Lower case letters and digits only: mail systems may fold the case of an address.
    return secrets.token_hex(12)


def attachment_storage():
    """The storage of customers' files: never served publicly (STORAGES["attachments"])."""
    return storages["attachments"]


def attachment_path(instance, filename: str) -> str:
    # A random name: the customer's file name is kept in the row, never trusted as a path.
    return f"attachments/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class ContactChannel(models.TextChoices):
    """Ways we can reach a customer."""

    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")
    PHONE = "phone", _("Phone call")


class Channel(models.TextChoices):
    """Where something on the timeline came from or went to."""

    WEB = "web", _("Web")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")
    PHONE = "phone", _("Phone")
    API = "api", _("API")
    IMPORT = "import", _("File import")
    STORE = "store", _("In store")
    KIOSK = "kiosk", _("Kiosk or QR code")
    SOCIAL = "social", _("Social media")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("System")


class AgeBand(models.TextChoices):
    UNDER_25 = "under_25", _("Under 25")
    FROM_25 = "25_34", "25\u201334"
    FROM_35 = "35_44", "35\u201344"
    FROM_45 = "45_54", "45\u201354"
    FROM_55 = "55_64", "55\u201364"
    OVER_65 = "65_plus", _("65 and over")


def validate_time_zone(value: str) -> None:
    if value and value not in available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/Paris.")


class ValueTier(models.TextChoices):
    STANDARD = "standard", _("Standard")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")
    PLATINUM = "platinum", _("Platinum")


class Customer(models.Model):
    full_name = models.CharField(max_length=200, blank=True)
    preferred_channel = models.CharField(
        max_length=10, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    # Messages and their link pages speak it (customers/languages.py).
    language = models.CharField(max_length=10, default="en", choices=language_choices)
    # Where they live, for quiet hours (an IANA name such as Europe/Paris); blank: TIME_ZONE.
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    # Segments, for reports. `segments` holds any further segment a company keeps (store, plan...).
    region = models.CharField(max_length=100, blank=True, db_index=True)
    age_band = models.CharField(max_length=10, choices=AgeBand.choices, blank=True)
    value_tier = models.CharField(
        max_length=10, choices=ValueTier.choices, default=ValueTier.STANDARD, db_index=True
    )
    segments = models.JSONField(default=dict, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_customer_token, editable=False)
    CUSTOMER_MERGE = {"merged_into": MOVE}  # profiles merged into the source follow it
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True, help_text=_("Personal data erased."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("merge_customer", "Can merge two customer profiles")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(merged_into=F("id")), name="customer_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or f"Customer #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def first_name(self) -> str:
        """How messages greet the customer; blank when we do not know a name."""
        return (self.full_name or "").split(" ")[0]


class Identity(models.Model):
    """One way we recognise a customer: an e-mail, a phone number or an id in another system."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        EXTERNAL = "external", _("External id")

    CUSTOMER_MERGE = MOVE
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # For external ids, the system that issued it ("shop", "app", "twitter"); blank otherwise.
    source = models.CharField(max_length=50, blank=True)
    value = models.CharField(max_length=320, help_text=_("As first given to us."))
    normalized = models.CharField(max_length=320, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when a message to it bounced or a text failed for good: nothing is sent there until
    # the customer uses it again (writes from it, or gives it to us anew).
    undeliverable_at = models.DateTimeField(null=True, blank=True)
    undeliverable_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "identities"
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source", "normalized"], name="identity_unique_per_kind_source"
            ),
        ]
        indexes = [models.Index(fields=["customer", "kind"])]

    def __str__(self) -> str:
        label = f"{self.source}:" if self.source else ""
        return f"{self.get_kind_display()} {label}{self.normalized}"


class ContactPreference(models.Model):
    """What the customer allows on one channel. No row means the channel's defaults apply.

    `allow_contact` covers every message, including replies to the customer's own case;
    `allow_solicitations` covers what we start ourselves: survey invitations, reminders and
    "you said, we did" notices. The unsubscribe link turns the second off.
    """

    class Source(models.TextChoices):
        CUSTOMER = "customer", _("Customer (preferences page)")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
        STAFF = "staff", _("Staff")
        IMPORT = "import", _("Import")
        MERGE = "merge", _("Merge of two profiles")
        TEXT_KEYWORD = "text_keyword", _("Texted STOP or START")

    CUSTOMER_MERGE = OWN_STEP  # the stricter answer per channel wins
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="preferences")
    channel = models.CharField(max_length=10, choices=ContactChannel.choices)
    allow_contact = models.BooleanField(default=True)
    allow_solicitations = models.BooleanField(default=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.STAFF)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel"], name="preference_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} / {self.get_channel_display()}"


class TimelineEntry(models.Model):
    """One thing that happened with a customer, on any channel. Append-only.

    Every app writes here through `timeline_record`, so the profile page shows the whole story in
    one ordered query. `subject` points at the record behind the entry (a response, a ticket...).
    """

    CUSTOMER_MERGE = MOVE
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="timeline")
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=50)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    data = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "timeline entries"
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "-occurred_at", "-id"], name="timeline_customer_recent"
            ),
            models.Index(fields=["subject_type", "subject_id"], name="timeline_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.title}"

    @property
    def heading(self) -> str:
        """The title in the reader's language when it was written as a Phrase."""
        said = (self.data or {}).get("title")
        return phrase_text(said) if isinstance(said, dict) else self.title


class CustomerMerge(models.Model):
    """Audit of one merge: who folded which profile into which, and what moved."""

    CUSTOMER_MERGE = {"source": STAYS, "target": STAYS}  # the audit trail
    source = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="merged_away")
    target = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_received")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    moved = models.JSONField(default=dict, help_text=_("Rows moved to the target, by model."))
    source_snapshot = models.JSONField(default=dict, help_text=_("The source profile as it was."))
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="merge_distinct_customers"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.source_id} → #{self.target_id}"


class ContactHold(models.Model):
    """A pause on everything we start ourselves (surveys, reminders, notices) for one customer.

    Recovery places one while a ticket is open and releases it on close; the contact policy
    only reads holds and knows nothing of tickets. `reference` names what placed it.
    """

    CUSTOMER_MERGE = keep_one("reference", among={"released_at__isnull": True})
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="holds")
    reference = models.CharField(max_length=100)
    reason = models.CharField(max_length=200)
    placed_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reference"],
                condition=Q(released_at__isnull=True),
                name="one_open_hold_per_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"Hold on {self.customer}: {self.reason}"


class Message(models.Model):
    """Every message to a customer, as sent (or why it was not): the outbox and its record.

    Solicitations are what we start (survey invitations, reminders, "you said, we did"
    notices) and obey consent, holds and the quiet period; replies answer the customer's own
    case and only need a channel the customer allows. `dedupe_key` makes a retried send a no-op.
    """

    class Kind(models.TextChoices):
        SOLICITATION = "solicitation", _("Solicitation")
        REPLY = "reply", _("Reply to the customer's case")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SUPPRESSED = "suppressed", _("Suppressed")
        FAILED = "failed", _("Failed")

    CUSTOMER_MERGE = MOVE
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    purpose = models.CharField(max_length=40, help_text=_("For example survey.invitation."))
    channel = models.CharField(max_length=10, choices=ContactChannel.choices)
    to_address = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(max_length=500, blank=True, help_text=_("Why suppressed or failed."))
    # Messages of one conversation (an invitation and its reminder) share a thread; the quiet
    # period counts other threads only.
    thread = models.CharField(max_length=100, blank=True)
    dedupe_key = models.CharField(max_length=150, unique=True)
    about_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # The e-mail's Message-ID, and the key in its reply address: a customer's answer finds its
    # conversation by either (In-Reply-To/References, or the address it was sent to).
    message_id = models.CharField(max_length=250, unique=True, null=True, blank=True)
    reply_key = models.CharField(max_length=40, unique=True, default=new_reply_key, editable=False)
    # When the policy decided: the quiet period counts from here.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Texts: the gateway's id for it (its receipts name it) and when the receipt said delivered.
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    # Why it went on this channel ("their preferred channel", or what ruled the other one out).
    channel_reason = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "kind", "status", "created_at"], name="message_policy"
            ),
            models.Index(fields=["about_type", "about_id"], name="message_about"),
            models.Index(fields=["status", "created_at"], name="message_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.subject}"


class IncomingMessage(models.Model):
    """What a customer wrote to us in a conversation: a reply to one of our messages by e-mail,
    or on their case page. `thread` is the conversation's key (the same as our messages');
    the layer above decides what it belongs to (a ticket) through `customer_replied`."""

    CUSTOMER_MERGE = MOVE
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="incoming")
    thread = models.CharField(max_length=100, db_index=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True, help_text=_("What they wrote now, without quotes."))
    sender = models.CharField(max_length=320, blank=True, help_text=_("The address it came from."))
    in_reply_to = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    # The e-mail's own Message-ID, or the case page form's submission id: a retry is one row.
    key = models.CharField(max_length=300, unique=True)
    received_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    MAX_BODY = 20_000

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["thread", "received_at"], name="incoming_thread")]

    def __str__(self) -> str:
        return f"From {self.customer}: {self.subject or self.body[:60]}"


class Attachment(models.Model):
    """A file in a conversation: a customer's photo (complaint form, case page, e-mail) or a
    file an agent sent. Stored through the "attachments" storage, never served publicly; staff
    open it through a view that checks who they are."""

    class Kind(models.TextChoices):
        JPEG = "image/jpeg", _("JPEG image")
        PNG = "image/png", _("PNG image")
        HEIC = "image/heic", _("HEIC image")
        PDF = "application/pdf", _("PDF document")

    CUSTOMER_MERGE = MOVE
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=attachment_storage, upload_to=attachment_path, max_length=200)
    name = models.CharField(max_length=200, help_text=_("The name it came with (display only)."))
    content_type = models.CharField(max_length=40, choices=Kind.choices)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    incoming = models.ForeignKey(
        IncomingMessage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    # What else it belongs to (a complaint it came with).
    about_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["about_type", "about_id"], name="attachment_about")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:attachment", args=[self.pk])
