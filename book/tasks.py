"""Celery tasks of the order book: thin wrappers that load by id and call a service."""

from __future__ import annotations

from celery import shared_task

from accounts.models import Shop
from book import actions, cancellations, imports


@shared_task(time_limit=1800, soft_time_limit=1700, acks_late=True)
def book_action_run(action_pk: int) -> int:
    action = actions.book_action_run(action_pk=action_pk)
    return len(action.results) if action else 0


@shared_task(time_limit=300, soft_time_limit=270)
def book_cancellations(shop_pk: int, order_sns: list[str]) -> int:
    """orders.signals.orders_cancelled: Shopee cancelled these orders of the shop."""
    shop = Shop.objects.filter(pk=shop_pk).first()
    return cancellations.book_cancel_cancelled(shop=shop, order_sns=order_sns) if shop else 0


@shared_task(time_limit=600, soft_time_limit=540)
def book_after_sync(shop_pk: int) -> None:
    """orders.signals.orders_synced: a pull of the shop's orders ended."""
    shop = Shop.objects.filter(pk=shop_pk).first()
    if shop is not None:
        imports.book_after_sync(shop=shop)
