"""Print the access policy as the README's Markdown tables: manage.py access_policy"""

from django.core.management.base import BaseCommand

from feedback_app.staff.policy_table import markdown


class Command(BaseCommand):
    help = "Print who may open every page and call every API operation, by role (Markdown)."
    requires_system_checks = []

    def handle(self, *args, **options):
        self.stdout.write(markdown(), ending="")
