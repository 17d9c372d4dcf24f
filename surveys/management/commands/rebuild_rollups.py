"""Recompute the dashboards' day tables from every stored response and complaint.

    manage.py rebuild_rollups

The services keep the tables current on their own; run this after loading data around them
(a database restore, a bulk load) or after changing TIME_ZONE, which moves the local days.
"""

import time

from django.core.management.base import BaseCommand

from surveys.services.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute the dashboards' day tables (FeedbackDay, TopicDay) from the stored feedback."

    def handle(self, *args, **options):
        started = time.perf_counter()
        feedback, topics = rollups_rebuild()
        self.stdout.write(
            f"{feedback:,} feedback rows and {topics:,} topic rows in "
            f"{time.perf_counter() - started:.1f} s."
        )
