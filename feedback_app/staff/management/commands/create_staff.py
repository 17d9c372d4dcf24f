"""Create a staff login with one role: manage.py create_staff alice --role agent --password ..."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from feedback_app.core.errors import DomainError
from feedback_app.core.roles import ROLES
from feedback_app.staff.services import staff_user_create


class Command(BaseCommand):
    help = "Create or reset a staff login holding one role (agent, manager or admin)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLES), required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Asked for when not given.")

    def handle(self, *args, username, role, email, password, **options):
        password = password or getpass.getpass(f"Password for {username}: ")
        try:
            user = staff_user_create(username=username, password=password, role=role, email=email)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"{user.username} is now a {ROLES[role].group}."))
