"""Celery tasks of the outbox: thin, they take no arguments (the rows say what is due)."""

from celery import shared_task

from outbox import delivery, services


@shared_task(time_limit=150, soft_time_limit=120)
def outbox_deliver_due() -> int:
    """Kicked on commit and by the sweeper: deliver what is due."""
    return delivery.outbox_deliver_due()


@shared_task(time_limit=30, soft_time_limit=20, expires=30)
def outbox_sweep() -> int:
    """Beat, every few seconds: kick delivery of anything due, so a lost kick loses nothing."""
    return services.outbox_sweep()


@shared_task(time_limit=60, soft_time_limit=50)
def outbox_release_held(shop_pk: int) -> int:
    """The shop was verified again: its held messages go (the sweeper would find them too)."""
    return services.outbox_release_held(shop_pk=shop_pk)
