from django.contrib import admin, messages

from feedback_app.core.admin import ReadOnlyAdmin, RecordAdmin
from feedback_app.core.errors import DomainError
from feedback_app.webhooks.models import Attempt, Delivery, Webhook
from feedback_app.webhooks.services import delivery_replay


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "format", "active", "disabled_reason", "created_at"]
    list_filter = ["active", "format"]
    search_fields = ["name", "url"]
    readonly_fields = ["disabled_reason", "rotated_at", "created_by", "created_at"]


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ["at", "status_code", "error", "duration_ms", "response_body"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(RecordAdmin):
    """The delivery log. A finished delivery can be replayed: sent again as a new delivery of the
    same event (receivers drop repeats by its webhook-id)."""

    list_display = [
        "event",
        "webhook",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "event", "webhook"]
    search_fields = ["event_id", "order_key"]
    list_select_related = ["webhook"]
    inlines = [AttemptInline]
    actions = ["replay"]

    def has_replay_permission(self, request):
        return request.user.has_perm("webhooks.change_webhook")

    @admin.action(description="Replay the selected deliveries", permissions=["replay"])
    def replay(self, request, queryset):
        done = 0
        for delivery in queryset.order_by("id"):
            try:
                delivery_replay(delivery=delivery, actor=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{delivery}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{done} delivery(ies) queued again.", messages.SUCCESS)


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ["delivery", "at", "status_code", "error", "duration_ms"]
    list_select_related = ["delivery__webhook"]
