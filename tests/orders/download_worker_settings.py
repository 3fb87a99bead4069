"""Settings of the worker processes the order download tests start: a short job lease, so a
killed worker's download is handed on in seconds."""

from tmschat.settings import *  # noqa: F403

SHOPEE_TIMEOUT_SECONDS = 5.0
ORDER_DOWNLOAD_LEASE_SECONDS = 3
