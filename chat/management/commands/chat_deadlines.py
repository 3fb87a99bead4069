from django.core.management.base import BaseCommand

from chat.services import conversations_deadlines_backfill


class Command(BaseCommand):
    help = (
        "Read Shopee's 12-hour reply window again for every conversation of the last 90 days "
        "(once after an upgrade or a restore; then run reports_rollup --days 90)."
    )

    def handle(self, *args, **options):
        done = conversations_deadlines_backfill()
        self.stdout.write(f"{done} conversations read")
