from django.contrib import admin

from recovery.models import Ticket, TicketEvent, TicketItem


class TicketItemInline(admin.TabularInline):
    model = TicketItem
    extra = 0
    raw_id_fields = ["response", "complaint"]


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "kind", "actor", "from_state", "to_state", "payload"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """State changes go through the workflow, never through this form."""

    list_display = ["id", "subject", "customer", "state", "priority", "assignee", "opened_at"]
    list_filter = ["state", "priority"]
    search_fields = ["subject", "reference", "customer__full_name"]
    raw_id_fields = ["customer", "assignee"]
    readonly_fields = ["state", "opened_at", "closed_at"]
    list_select_related = ["customer", "assignee"]
    inlines = [TicketItemInline, TicketEventInline]


@admin.register(TicketItem)
class TicketItemAdmin(admin.ModelAdmin):
    list_display = ["ticket", "response", "complaint", "added_at"]
    raw_id_fields = ["ticket", "response", "complaint"]


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only."""

    list_display = ["created_at", "ticket", "kind", "from_state", "to_state", "actor"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
