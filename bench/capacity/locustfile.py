"""The load of the capacity scenario (bench/capacity/run.py starts Locust with this file).

Runs in Locust's own virtualenv (bench/requirements.txt), not the product's: it imports nothing of
the product and learns what it needs (the staff's session cookies, their conversations, the shops
and buyers on the sandbox) from the plan file the runner writes (CAPACITY_PLAN).

- Staff (30): each signed in as one of the runner's staff members, with the inbox open: the list's
  changes poll every second (as the page's htmx does), a conversation opened every OPEN_EVERY
  seconds and its thread poll every 2 s while open, a reply typed every REPLY_EVERY seconds.
- Buyer (1): BUYER_RATE messages a second written to random shops' buyers on the sandbox (as
  Shopee's side), each logged with the sandbox's message id for the runner's sync-lag figure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time

from locust import HttpUser, constant_pacing, constant_throughput, events, task

PLAN = json.loads(open(os.environ["CAPACITY_PLAN"], encoding="utf-8").read())  # noqa: SIM115
OPEN_EVERY = float(PLAN.get("open_every", 15))
REPLY_EVERY = float(PLAN.get("reply_every", 30))
BUYER_RATE = float(PLAN.get("buyer_rate", 5))
HTMX = {"HX-Request": "true"}
SINCE = re.compile(r'id="list-poll"[^>]*since=(-?\d+)')
THREAD_POLL = re.compile(r'id="thread-poll"[^>]*hx-get="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_staff = itertools.count()
_injected = open(PLAN["injected_log"], "a", encoding="utf-8")  # noqa: SIM115 - open for the run


class Staff(HttpUser):
    """A staff member with the inbox open."""

    fixed_count = len(PLAN["staff"])
    wait_time = constant_pacing(1)

    def on_start(self) -> None:
        me = PLAN["staff"][next(_staff) % len(PLAN["staff"])]
        self.client.cookies.set("sessionid", me["session"])
        self.conversations = me["conversations"]
        self.since = None
        self.thread_poll = None
        self.pane_conversation = None
        self.replies = 0
        now = time.monotonic()
        self.next_open = now + random.uniform(0, OPEN_EVERY)
        self.next_reply = now + random.uniform(OPEN_EVERY, OPEN_EVERY + REPLY_EVERY)
        self.next_thread = now
        self.open_inbox()

    def open_inbox(self) -> None:
        page = self.client.get("/chat/", name="inbox page")
        found = SINCE.search(page.text or "")
        self.since = found.group(1) if found else "-1"

    @task
    def second(self) -> None:
        now = time.monotonic()
        self.poll_list()
        if now >= self.next_open and self.conversations:
            self.open_conversation()
            self.next_open = now + random.uniform(0.5, 1.5) * OPEN_EVERY
        elif self.thread_poll and now >= self.next_thread:
            self.poll_thread()
        if self.pane_conversation and now >= self.next_reply:
            self.reply()
            self.next_reply = now + random.uniform(0.5, 1.5) * REPLY_EVERY

    def poll_list(self) -> None:
        answer = self.client.get(
            "/chat/list/changes/", params={"since": self.since}, headers=HTMX, name="list poll"
        )
        if answer.status_code == 200 and (found := SINCE.search(answer.text or "")):
            self.since = found.group(1)

    def open_conversation(self) -> None:
        pk = random.choice(self.conversations)
        pane = self.client.get(f"/chat/c/{pk}/", headers=HTMX, name="conversation pane")
        self.pane_conversation, self.pane = pk, pane.text or ""
        found = THREAD_POLL.search(self.pane)
        self.thread_poll = found.group(1).replace("&amp;", "&") if found else None
        self.next_thread = time.monotonic() + 2

    def poll_thread(self) -> None:
        answer = self.client.get(self.thread_poll, headers=HTMX, name="thread poll")
        if answer.status_code == 200 and (found := THREAD_POLL.search(answer.text or "")):
            self.thread_poll = found.group(1).replace("&amp;", "&")
        self.next_thread = time.monotonic() + 2

    def reply(self) -> None:
        key, token = KEY.search(self.pane), CSRF.search(self.pane)
        if not key or not token:
            return
        self.replies += 1
        answer = self.client.post(
            f"/chat/c/{self.pane_conversation}/send/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "idempotency_key": key.group(1),
                "text": f"您好，我們今天出貨，謝謝您 #{self.replies}",
            },
            headers={**HTMX, "X-CSRFToken": token.group(1), "Referer": self.host + "/chat/"},
            name="reply",
        )
        self.pane = answer.text or ""  # a fresh composer: the next reply's key


class Buyer(HttpUser):
    """Buyers writing to the shops on Shopee (the sandbox), BUYER_RATE a second in all."""

    fixed_count = 1
    wait_time = constant_throughput(BUYER_RATE)

    def on_start(self) -> None:
        self.sent = 0

    @task
    def write(self) -> None:
        shop = random.choice(PLAN["shops"])
        self.sent += 1
        written = time.time()  # the lag counts from before the sandbox stores it
        answer = self.client.post(
            f"{PLAN['sandbox']}/_sandbox/messages/buyer",
            json={
                "shop_id": shop["shop_id"],
                "buyer_id": random.choice(shop["buyers"]),
                "text": f"請問什麼時候出貨? {self.sent}",
            },
            name="buyer writes (sandbox)",
        )
        if answer.ok:
            _injected.write(f"{answer.json()['message_id']}\t{written:.6f}\n")


@events.test_stop.add_listener
def _flush(**_kwargs) -> None:
    _injected.flush()
