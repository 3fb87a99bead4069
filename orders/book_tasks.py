"""Celery tasks of the order book: thin wrappers that take ids and call orders.actions."""

from __future__ import annotations

from celery import shared_task

from orders import actions


@shared_task(time_limit=1800, soft_time_limit=1700, acks_late=True)
def book_action_run(action_pk: int) -> int:
    action = actions.book_action_run(action_pk=action_pk)
    return len(action.results) if action else 0
