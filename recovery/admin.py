from django.contrib import admin

from feedback_app.core.admin import ReadOnlyAdmin, RecordAdmin
from recovery.models import (
    ApprovalLimit,
    Availability,
    CannedMessage,
    ExperienceStandard,
    Improvement,
    ImprovementLink,
    ImprovementNotice,
    MysteryScore,
    MysteryVisit,
    Restitution,
    RoutingRule,
    SlaTarget,
    StaffNotice,
    Team,
    Ticket,
    TicketEvent,
    TicketItem,
)


class TicketItemInline(admin.TabularInline):
    model = TicketItem
    extra = 0
    can_delete = False
    readonly_fields = ["response", "complaint", "added_at"]

    def has_add_permission(self, request, obj=None):
        return False


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "kind", "actor", "from_state", "to_state", "payload"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    """Read-only, and no ticket is deleted here: every change to a ticket goes through the ticket
    page or the API, which write its log (TicketEvent); an edit here would leave none."""

    list_display = ["id", "subject", "customer", "state", "priority", "assignee", "opened_at"]
    list_filter = ["state", "priority"]
    search_fields = ["subject", "reference", "customer__full_name"]
    raw_id_fields = ["customer", "assignee"]
    list_select_related = ["customer", "assignee"]
    inlines = [TicketItemInline, TicketEventInline]


@admin.register(TicketItem)
class TicketItemAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "response", "complaint", "added_at"]
    raw_id_fields = ["ticket", "response", "complaint"]


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    """Read-only: the log is append-only."""

    list_display = ["created_at", "ticket", "kind", "from_state", "to_state", "actor"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "manager", "assign_by"]
    filter_horizontal = ["members"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Which team gets a new ticket: tried by position, the first that holds wins."""

    list_display = ["position", "conditions", "team", "active"]
    list_display_links = ["conditions"]
    list_editable = ["position", "active"]
    list_filter = ["team", "active"]
    list_select_related = ["team", "topic"]


@admin.register(StaffNotice)
class StaffNoticeAdmin(RecordAdmin):
    """Read-only: notices are written when something needs a person."""

    list_display = ["created_at", "user", "kind", "ticket", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["user", "ticket"]


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    list_display = ["user", "away", "updated_at"]
    list_filter = ["away"]


@admin.register(Restitution)
class RestitutionAdmin(ReadOnlyAdmin):
    """Read-only and never deleted here: restitution is offered and decided through the workflow
    (limits apply), and what was given stays in the record."""

    list_display = [
        "ticket",
        "kind",
        "amount",
        "currency",
        "item",
        "status",
        "requested_by",
        "decided_by",
    ]
    list_filter = ["status", "kind", "currency"]
    list_select_related = ["ticket", "requested_by", "decided_by"]


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(admin.ModelAdmin):
    list_display = ["currency", "agent_limit", "updated_at"]


@admin.register(CannedMessage)
class CannedMessageAdmin(admin.ModelAdmin):
    list_display = ["name", "step", "topic", "active", "updated_at"]
    list_filter = ["step", "active", "topic"]


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    list_display = ["priority", "apology_hours", "resolution_hours"]


class ImprovementLinkInline(admin.TabularInline):
    model = ImprovementLink
    extra = 0
    raw_id_fields = ["ticket", "response", "complaint"]


@admin.register(Improvement)
class ImprovementAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "owner", "created_at", "shipped_at"]
    list_filter = ["status", "topics"]
    search_fields = ["title", "customer_text"]
    inlines = [ImprovementLinkInline]


@admin.register(ImprovementLink)
class ImprovementLinkAdmin(admin.ModelAdmin):
    list_display = ["improvement", "ticket", "response", "complaint", "created_at"]
    raw_id_fields = ["improvement", "ticket", "response", "complaint"]


@admin.register(ImprovementNotice)
class ImprovementNoticeAdmin(RecordAdmin):
    """Read-only: notices are made by shipping, once per customer."""

    list_display = ["improvement", "customer", "kind", "message", "created_at"]
    list_select_related = ["improvement", "customer", "message"]
    list_filter = ["kind"]


@admin.register(ExperienceStandard)
class ExperienceStandardAdmin(admin.ModelAdmin):
    list_display = ["position", "promise", "measure", "target", "active"]
    list_display_links = ["promise"]
    list_editable = ["position", "active"]


class MysteryScoreInline(admin.TabularInline):
    model = MysteryScore
    extra = 0


@admin.register(MysteryVisit)
class MysteryVisitAdmin(admin.ModelAdmin):
    list_display = ["visited_on", "channel", "shopper", "recorded_by"]
    list_filter = ["channel"]
    inlines = [MysteryScoreInline]


@admin.register(MysteryScore)
class MysteryScoreAdmin(admin.ModelAdmin):
    list_display = ["visit", "standard", "result", "note"]
    list_filter = ["standard", "result"]
    list_select_related = ["visit", "standard"]
