"""Admin bases shared by the apps' admin modules."""

from django.contrib import admin


class RecordAdmin(admin.ModelAdmin):
    """Rows the app writes as a record of what happened: shown in the admin, never added or
    edited by hand (a hand edit would make the record lie)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(RecordAdmin):
    """A record that is not deleted by hand either: an append-only log, or figures the app
    keeps and rebuilds itself."""

    def has_delete_permission(self, request, obj=None):
        return False
