"""The beat schedule, defined in code. `manage.py install_schedule` writes it to the database
(django-celery-beat), where an admin can change intervals or switch entries off."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str
    task: str
    every_seconds: int
    description: str


SCHEDULE = [
    Entry("heartbeat", "tmschat.tasks.heartbeat", 30, "Worker and beat liveness for the status page"),
    Entry(
        "outbox sweep", "outbox.tasks.outbox_sweep", 5, "Re-kick due outgoing messages (the broker is a hint)"
    ),
    Entry(
        "chat sync",
        "chat.tasks.chat_sync_all",
        60,
        "Pull new conversations and messages of every verified shop",
    ),
    Entry(
        "conversations wake",
        "chat.tasks.conversations_wake",
        60,
        "Conversations put off until a time now passed are to do again",
    ),
    Entry("lost pushes", "chat.tasks.lost_pushes_fetch", 300, "Fetch pushes Shopee could not deliver"),
    Entry(
        "chat reconcile", "chat.tasks.chat_reconcile_all", 6 * 3600, "Full re-read of recent conversations"
    ),
    Entry(
        "token refresh",
        "accounts.tasks.tokens_refresh_due",
        600,
        "Refresh access tokens well before they expire",
    ),
    Entry(
        "chat session upkeep",
        "accounts.tasks.chat_sessions_renew",
        3600,
        "Renew old Seller Centre chat sessions (聊聊登入認證) with the kept password",
    ),
    Entry(
        "authorization check",
        "accounts.tasks.authorizations_check",
        3600,
        "Authorization expiry and revocations",
    ),
    Entry(
        "order sync",
        "orders.tasks.orders_sync_all",
        600,
        "Pull recently updated orders of every verified shop",
    ),
    Entry(
        "order download sweep",
        "orders.tasks.order_downloads_sweep",
        30,
        "Hand order downloads whose worker died to a live worker",
    ),
]
