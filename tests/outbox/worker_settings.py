"""Settings of the worker and beat processes the outbox tests start: the product's settings
with the outbox's timings compressed, so a killed worker's lease lapses in seconds."""

from tmschat.settings import *  # noqa: F403

SHOPEE_TIMEOUT_SECONDS = 1.0
OUTBOX_LEASE_SECONDS = 3
OUTBOX_BACKOFF_BASE_SECONDS = 0.3
OUTBOX_BACKOFF_MAX_SECONDS = 1.5
OUTBOX_MAX_ATTEMPTS = 8
OUTBOX_SWEEP_SECONDS = 1
OUTBOX_DRAIN_SECONDS = 20
