from celery import shared_task

from reports.services import figures_rollup_recent


@shared_task(time_limit=600, soft_time_limit=570, expires=600)
def reports_rollup() -> int:
    """The beat's roll-up of today and yesterday (reports.services)."""
    return figures_rollup_recent(days=2)
