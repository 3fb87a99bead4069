from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from reports.services import figures_rollup


class Command(BaseCommand):
    help = "Count the reports' daily figures again for the last DAYS days (after an upgrade or a restore)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args, days: int, **options):
        today = timezone.localdate()
        rows = sum(figures_rollup(day=today - timedelta(days=n)) for n in range(days))
        self.stdout.write(f"{rows} rows over {days} days")
