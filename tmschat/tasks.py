from celery import shared_task

from telemetry import health


@shared_task(time_limit=30, soft_time_limit=20, expires=60)
def heartbeat() -> None:
    health.record_heartbeat()


@shared_task(time_limit=30, soft_time_limit=20, ignore_result=False)
def ping(value: str) -> str:
    """Round-trip check used by the status page tests and operators."""
    return value
