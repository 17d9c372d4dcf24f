"""Bring the role groups in line with feedback_app.core.roles (also done by every migrate)."""

from django.core.management.base import BaseCommand

from feedback_app.core.roles import ROLES, roles_sync


class Command(BaseCommand):
    help = "Create the staff role groups and set their permissions."

    def handle(self, *args, **options):
        for key, count in roles_sync().items():
            self.stdout.write(f"{ROLES[key].group}: {count} permissions")
