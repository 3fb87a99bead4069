from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tmschat.schedule import SCHEDULE


class Command(BaseCommand):
    help = "Install the beat schedule from tmschat/schedule.py; keeps an admin's edits unless --reset."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="overwrite intervals and switches edited in the admin"
        )

    @transaction.atomic
    def handle(self, *args, reset=False, **options):
        for entry in SCHEDULE:
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=entry.every_seconds, period=IntervalSchedule.SECONDS
            )
            # An entry expires after one period so a stalled worker never piles them up.
            defaults = {
                "task": entry.task,
                "description": entry.description,
                "expire_seconds": entry.every_seconds,
            }
            task, created = PeriodicTask.objects.get_or_create(
                name=entry.name, defaults={**defaults, "interval": interval}
            )
            if not created:
                for field, value in defaults.items():
                    setattr(task, field, value)
                if reset:
                    task.interval, task.enabled = interval, True
                task.save()
            self.stdout.write(f"{'installed' if created else 'kept'}: {entry.name} ({entry.task})")
