"""Settings of the worker processes the chat tests start: the product's settings with the
sync lease shortened, so a killed worker's shop is free again in seconds."""

from tmschat.settings import *  # noqa: F403

SHOPEE_TIMEOUT_SECONDS = 2.0
CHAT_SYNC_LEASE_SECONDS = 2
OUTBOX_LEASE_SECONDS = 5
OUTBOX_SWEEP_SECONDS = 1
