from django.contrib import admin
from django.utils.html import format_html

from feedback_app.core.admin import ReadOnlyAdmin, RecordAdmin
from surveys.models import (
    Answer,
    Complaint,
    Event,
    FeedbackDay,
    ImportJob,
    ImportRejection,
    Invitation,
    Question,
    ReceivedAnswers,
    ReceivedComplaint,
    Response,
    SetAsideMail,
    Survey,
    Topic,
    TopicDay,
    TriggerRule,
)
from surveys.services.building import questions_changed
from surveys.services.mail_intake import mail_retry
from surveys.services.received import received_store_one
from surveys.services.received_complaints import received_complaint_file
from surveys.services.rollups import feedback_delete


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "purpose", "status", "public_link_enabled", "created_at"]
    list_filter = ["status", "purpose"]
    search_fields = ["name"]
    readonly_fields = ["public_token", "created_at", "updated_at"]
    inlines = [QuestionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the questions are saved here
        questions_changed(form.instance.pk)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    """Questions changed here are seen by the answer forms at once, as through the services."""

    list_display = ["prompt", "survey", "kind", "position", "required"]
    list_filter = ["kind"]
    list_select_related = ["survey"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        questions_changed(obj.survey_id)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        questions_changed(obj.survey_id)

    def delete_queryset(self, request, queryset):
        surveys = set(queryset.values_list("survey_id", flat=True))
        super().delete_queryset(request, queryset)
        for survey_id in surveys:
            questions_changed(survey_id)


@admin.register(TriggerRule)
class TriggerRuleAdmin(admin.ModelAdmin):
    list_display = ["event_type", "survey", "delay", "channel", "active"]
    list_filter = ["active", "event_type"]
    list_select_related = ["survey"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["event_type", "customer", "occurred_at", "channel", "external_id"]
    list_filter = ["event_type", "channel"]
    search_fields = ["external_id", "customer__full_name"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]
    date_hierarchy = "occurred_at"


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "survey",
        "customer",
        "status",
        "reason",
        "scheduled_for",
        "sent_at",
        "answered_at",
    ]
    list_filter = ["status", "survey", "message_kind"]
    raw_id_fields = ["customer", "event"]
    readonly_fields = ["token"]
    list_select_related = ["survey", "customer"]
    date_hierarchy = "scheduled_for"


@admin.register(ReceivedAnswers)
class ReceivedAnswersAdmin(RecordAdmin):
    """Answers accepted from the invitation form that are not stored yet: normally none for more
    than a moment; a row with attempts and an error is one the store could not take. A one-click
    answer saved alone waits until its hold passes (the customer may still send the rest);
    *Store now* leaves those be."""

    list_display = ["invitation", "received_at", "partial", "hold_until", "attempts", "last_error"]
    list_select_related = ["invitation__survey", "invitation__customer"]
    actions = ["store_now"]

    @admin.action(description="Store the selected answers now")
    def store_now(self, request, queryset):
        keys = list(queryset.values_list("pk", flat=True))
        stored = sum(received_store_one(key) for key in keys)
        self.message_user(request, f"{stored} of {len(keys)} stored.")


@admin.register(ReceivedComplaint)
class ReceivedComplaintAdmin(RecordAdmin):
    """Complaints the API accepted to file in the background that are not filed yet: normally
    none for more than a moment; a row with attempts and an error is one the store could not
    file (tried again every minute, up to ten times)."""

    list_display = ["key", "sent_by", "received_at", "attempts", "last_error"]
    list_select_related = ["sent_by"]
    actions = ["file_now"]

    @admin.action(description="File the selected complaints now")
    def file_now(self, request, queryset):
        keys = list(queryset.values_list("pk", flat=True))
        filed = sum(received_complaint_file(key) for key in keys)
        self.message_user(request, f"{filed} of {len(keys)} filed.")


@admin.register(SetAsideMail)
class SetAsideMailAdmin(RecordAdmin):
    """E-mails the complaint intake could not store, with the reason; *Try again* after the
    cause is fixed (a stored one links to its complaint)."""

    list_display = ["source", "reason", "attempts", "last_tried_at", "stored_as"]
    list_filter = ["stored_as"]
    search_fields = ["source", "reason"]
    readonly_fields = ["source", "reason", "attempts", "created_at", "last_tried_at", "preview"]
    fields = readonly_fields
    actions = ["try_again"]

    @admin.display(description="The message as received (first 20,000 characters)")
    def preview(self, obj):
        text = bytes(obj.raw).decode("utf-8", errors="replace")[:20_000]
        return format_html("<pre class='text-break'>{}</pre>", text)

    @admin.action(description="Try the selected e-mails again")
    def try_again(self, request, queryset):
        rows = list(queryset)
        stored = sum(mail_retry(kept=row) for row in rows)
        self.message_user(request, f"{stored} of {len(rows)} stored.")


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    raw_id_fields = ["question"]


class FeedbackAdmin(admin.ModelAdmin):
    """Deleting feedback goes through the service that keeps the day tables right."""

    def delete_model(self, request, obj):
        feedback_delete(items=[obj])

    def delete_queryset(self, request, queryset):
        feedback_delete(items=queryset)


@admin.register(Response)
class ResponseAdmin(FeedbackAdmin):
    list_display = ["id", "survey", "customer", "channel", "submitted_at"]
    list_filter = ["channel", "survey"]
    raw_id_fields = ["customer", "invitation"]
    list_select_related = ["survey", "customer"]
    date_hierarchy = "submitted_at"
    inlines = [AnswerInline]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["response", "question", "number", "text"]
    raw_id_fields = ["response", "question"]
    list_select_related = ["response", "question"]


class ImportRejectionInline(admin.TabularInline):
    model = ImportRejection
    extra = 0
    readonly_fields = ["row", "reason"]
    can_delete = False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "filename",
        "kind",
        "survey",
        "status",
        "accepted_rows",
        "rejected_rows",
        "created_at",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "processed_rows",
        "accepted_rows",
        "duplicate_rows",
        "rejected_rows",
        "error",
    ]
    list_select_related = ["survey"]
    inlines = [ImportRejectionInline]


@admin.register(ImportRejection)
class ImportRejectionAdmin(admin.ModelAdmin):
    list_display = ["job", "row", "reason"]
    list_select_related = ["job"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """The topic vocabulary triage uses; changes apply to the next item triaged (re-triage a
    date range with `manage.py retriage` to apply them to older feedback)."""

    list_display = ["name", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["name", "keywords"]


@admin.register(Complaint)
class ComplaintAdmin(FeedbackAdmin):
    list_display = [
        "id",
        "customer",
        "channel",
        "reference",
        "sentiment",
        "severity",
        "received_at",
    ]
    list_filter = ["channel", "sentiment", "severity", "topics"]
    search_fields = ["reference", "subject", "customer__full_name"]
    raw_id_fields = ["customer"]
    readonly_fields = [
        "sentiment",
        "polarity",
        "severity",
        "reasons",
        "triaged_at",
        "idempotency_key",
    ]
    list_select_related = ["customer"]
    date_hierarchy = "received_at"


class DayTableAdmin(ReadOnlyAdmin):
    """The dashboards' day tables, to look at: the services keep them, `rebuild_rollups` redoes
    them, and a hand edit would only make a figure wrong."""

    date_hierarchy = "day"
    list_filter = ["grain", "channel"]


@admin.register(FeedbackDay)
class FeedbackDayAdmin(DayTableAdmin):
    list_display = [
        *("day", "channel", "grain", "survey_key", "region", "age_band", "value_tier"),
        *("items", "nps_n", "negative"),
    ]


@admin.register(TopicDay)
class TopicDayAdmin(DayTableAdmin):
    list_display = [
        *("day", "channel", "grain", "region", "age_band", "value_tier", "topic", "mentions")
    ]
    list_select_related = ["topic"]
