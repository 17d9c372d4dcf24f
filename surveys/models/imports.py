"""File imports with their rejected rows, and e-mails the intake set aside."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models.surveys import Survey


class ImportJob(models.Model):
    """One CSV file of responses or events from a shop or call centre, imported row by row.

    Good rows are kept even when others are rejected; every rejected row is recorded with its
    number and the reason (`ImportRejection`).
    """

    class Kind(models.TextChoices):
        RESPONSES = "responses", _("Survey responses")
        EVENTS = "events", _("Events")
        COMPLAINTS = "complaints", _("Complaints")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    survey = models.ForeignKey(
        Survey, null=True, blank=True, on_delete=models.PROTECT, related_name="imports"
    )
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    filename = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    accepted_rows = models.PositiveIntegerField(default=0)
    duplicate_rows = models.PositiveIntegerField(default=0, help_text=_("Already imported before."))
    rejected_rows = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True, help_text=_("Why the whole file failed."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # When the last chunk was stored: a running job that stops advancing is marked failed.
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.filename}"

    def get_absolute_url(self) -> str:
        return reverse("surveys:import", args=[self.pk])

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ImportRejection(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejections")
    row = models.PositiveIntegerField(help_text=_("Line number in the file; the header is line 1."))
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["row"]
        indexes = [models.Index(fields=["job", "row"])]

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


class SetAsideMail(models.Model):
    """An e-mail the intake could not store as a complaint, kept whole with the reason so staff
    can read it and try again (the admin's *Set-aside e-mails*). One row per message, however
    often the mailbox is read."""

    digest = models.CharField(max_length=64, unique=True, editable=False)
    source = models.CharField(
        max_length=500, help_text=_("The mailbox and the message's key in it.")
    )
    raw = models.BinaryField(editable=False)
    reason = models.CharField(max_length=500)
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    last_tried_at = models.DateTimeField(default=timezone.now)
    stored_as = models.ForeignKey(
        "Complaint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    MAX_RAW = 10 * 1024 * 1024

    class Meta:
        ordering = ["-last_tried_at", "-id"]
        verbose_name = "set-aside e-mail"

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"
