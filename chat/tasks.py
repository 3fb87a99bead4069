"""Celery tasks of the chat app: thin wrappers that load by id and call a service."""

from celery import shared_task  # noqa: F401

# --- outbox (chat/outbox.py) ---

# --- sync and push (chat/sync.py, chat/push.py) ---
