from django.contrib import admin

from feedback_app.core.admin import RecordAdmin
from feedback_app.customers.models import (
    Attachment,
    ContactHold,
    ContactPreference,
    Customer,
    CustomerMerge,
    Identity,
    IncomingMessage,
    Message,
    TimelineEntry,
)


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    readonly_fields = ["normalized", "created_at"]


class PreferenceInline(admin.TabularInline):
    model = ContactPreference
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "full_name",
        "region",
        "value_tier",
        "preferred_channel",
        "merged_into",
        "created_at",
    ]
    list_filter = ["value_tier", "age_band", "preferred_channel"]
    search_fields = ["full_name", "identities__normalized"]
    readonly_fields = ["token", "merged_into", "merged_at", "created_at", "updated_at"]
    inlines = [IdentityInline, PreferenceInline]
    list_select_related = ["merged_into"]


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ["normalized", "kind", "source", "customer", "created_at"]
    list_filter = ["kind", "source"]
    search_fields = ["normalized", "value"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]


@admin.register(ContactPreference)
class ContactPreferenceAdmin(admin.ModelAdmin):
    list_display = [
        "customer",
        "channel",
        "allow_contact",
        "allow_solicitations",
        "source",
        "updated_at",
    ]
    list_filter = ["channel", "allow_contact", "allow_solicitations", "source"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]


@admin.register(TimelineEntry)
class TimelineEntryAdmin(RecordAdmin):
    """Read-only: the timeline is append-only and written by services."""

    list_display = ["occurred_at", "customer", "kind", "channel", "title", "actor"]
    list_filter = ["kind", "channel"]
    search_fields = ["title", "customer__full_name"]
    list_select_related = ["customer", "actor"]
    date_hierarchy = "occurred_at"


@admin.register(CustomerMerge)
class CustomerMergeAdmin(RecordAdmin):
    list_display = ["merged_at", "source", "target", "actor", "reason"]
    list_select_related = ["source", "target", "actor"]
    readonly_fields = [
        "source",
        "target",
        "actor",
        "reason",
        "moved",
        "source_snapshot",
        "merged_at",
    ]


@admin.register(ContactHold)
class ContactHoldAdmin(admin.ModelAdmin):
    list_display = ["customer", "reference", "reason", "placed_at", "released_at"]
    list_filter = [("released_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]


@admin.register(Message)
class MessageAdmin(RecordAdmin):
    """Read-only: messages are written by the outbox, exactly as sent."""

    list_display = ["created_at", "customer", "purpose", "channel", "status", "reason", "sent_at"]
    list_filter = ["status", "kind", "purpose", "channel"]
    search_fields = ["subject", "to_address", "customer__full_name"]
    list_select_related = ["customer"]
    date_hierarchy = "created_at"


@admin.register(IncomingMessage)
class IncomingMessageAdmin(RecordAdmin):
    """Read-only: what customers wrote in their conversations, as received."""

    list_display = ["received_at", "customer", "channel", "thread", "subject"]
    list_filter = ["channel"]
    search_fields = ["subject", "sender", "thread", "customer__full_name"]
    list_select_related = ["customer"]
    date_hierarchy = "received_at"


@admin.register(Attachment)
class AttachmentAdmin(RecordAdmin):
    """Read-only: files are opened from the ticket page, through the staff-only view."""

    list_display = ["created_at", "customer", "name", "content_type", "size"]
    list_filter = ["content_type"]
    search_fields = ["name", "customer__full_name"]
    list_select_related = ["customer"]
    exclude = ["file"]
