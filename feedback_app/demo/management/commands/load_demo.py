"""Load realistic demo data: manage.py load_demo. Running it again adds nothing twice."""

from django.core.management.base import BaseCommand

from feedback_app.customers.models import Customer
from feedback_app.demo.loaders import load_all


class Command(BaseCommand):
    help = (
        "Load demo customers, surveys, feedback, tickets and improvements, and demo staff logins."
    )

    def handle(self, *args, **options):
        result = load_all()
        customers = Customer.objects.filter(merged_into__isnull=True).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {customers} customers, {result['events']} events, "
                f"{result['complaints']} complaints, {result['tickets']} tickets; "
                f"{result['languages']} customers read German, French or Spanish."
            )
        )
        self.stdout.write("Demo logins (for this demo install only):")
        for username, password, role in result["logins"]:
            self.stdout.write(f"  {role:8} username {username:8} password {password}")
