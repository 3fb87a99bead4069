"""Live chat for shops Shopee does not push to (the Seller Centre login: every Taiwanese shop).

Seller Centre's chat has a cheap signal (`user/sync`: `have_new_msg`, `unread_count`; SHOPEE_API.md
§5A). While someone who sees a shop is about, the shop's signal is asked every
CHAT_LIVE_SIGNAL_SECONDS (5), every CHAT_LIVE_FAST_SECONDS (1) for CHAT_LIVE_FAST_FOR_SECONDS (60)
after activity (chat.services.chat_live_quicken: new messages pulled, a reply queued), and the pull
(chat.sync) runs only when the signal says something changed: `have_new_msg`, or an unread count
other than the one the last pull covers. Idle shops are left to the beat's minute pull.

- Presence: a request of a signed-in staff member marks them as about for
  CHAT_LIVE_PRESENCE_SECONDS (`live_presence_note`, called by tmschat.middleware: one cache write
  per person every PRESENCE_REFRESH_SECONDS, no query); each round the loop asks the shops whose
  salesperson, or someone who sees every shop, is about.
- One asker per shop per interval, whatever the number of `chat_live` processes: each round claims
  the due shops with one conditional UPDATE (accounts.syncs.signal_claim); the pull keeps its own
  lease beside the beat's. A process never asks a shop whose last ask it has not finished.
- Parallel: the claimed shops are asked (and pulled) by CHAT_LIVE_THREADS threads, so
  200 shops cost one round of parallel calls, not 200 calls in a row.
- Failures follow the transport's typed errors: a refused session is renewed by the transport
  (accounts.chatlogin) and, when that fails, the shop is 未驗證 and no longer asked; a rate limit
  or a transient failure asks again later, backing off up to CHAT_LIVE_BACKOFF_MAX_SECONDS.

Run by `manage.py chat_live` (Procfile.dev, docker-compose.yml): see docs/DESIGN.md for why a
loop of its own rather than a beat entry.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections

from accounts.chatlogin import sellercentre_client
from accounts.models import Shop
from accounts.selectors import staff_seeing_every_shop
from accounts.syncs import (
    SignalClaim,
    signal_claim,
    signal_due_now,
    signal_later,
    signal_settled,
    sync_failed,
)
from chat.services import chat_live_quicken, live_fast_key
from chat.sync import CHAT, chat_sync_shop
from chat.team import present_key
from chat.transport import transport_for
from shopee.errors import AuthError, RateLimited, ShopeeError
from telemetry.health import LIVE_HEARTBEAT_KEY, record_heartbeat

log = logging.getLogger(__name__)

PRESENCE_REFRESH_SECONDS = 20  # how often one person's requests renew their presence
ROUND_MIN_SECONDS = 0.2  # a round waits at least this long: a due shop is asked this much late at most
ROUND_MAX_SECONDS = 1.0  # and at most this long: a shop that became watched is asked this soon
HEARTBEAT_SECONDS = 10  # the status page's sign of life (telemetry.health)

QUIET, PULLED, OWED, BACKED_OFF, LOST, SKIPPED = "quiet", "pulled", "owed", "backed off", "lost", "skipped"


# -- who is about --------------------------------------------------------------------------------


def live_presence_note(*, user) -> None:
    """`user` (signed-in staff) just made a request: they count as about for the next
    CHAT_LIVE_PRESENCE_SECONDS. One cache write per person every PRESENCE_REFRESH_SECONDS (a
    failed `add` otherwise), no query: the loop works out which shops they see."""
    presence = settings.CHAT_LIVE_PRESENCE_SECONDS
    if presence > 0 and cache.add(f"chat:live-noted:{user.pk}", 1, timeout=PRESENCE_REFRESH_SECONDS):
        cache.set(present_key(user.pk), 1, timeout=presence)


def live_shop_pks() -> list[int]:
    """The shops to ask now: a verified Seller Centre login, and someone about who sees them
    (their salesperson, or anyone who sees every shop: accounts.selectors.shops_visible_to)."""
    shops = list(
        Shop.objects.filter(Shop.seller_centre_q(), chat_state=Shop.ChatState.VERIFIED, shop_id__isnull=False)
        .order_by("pk")
        .values_list("pk", "salesperson_id")
    )
    if not shops:
        return []
    everything = staff_seeing_every_shop()
    people = everything | {salesperson for _pk, salesperson in shops if salesperson}
    found = cache.get_many([present_key(pk) for pk in people])
    present = {pk for pk in people if present_key(pk) in found}
    if present & everything:
        return [pk for pk, _salesperson in shops]
    return [pk for pk, salesperson in shops if salesperson in present]


def live_socket_news() -> list[int]:
    """With SELLERCENTRE_PAGE_SOCKET on and `page` signing: the shops whose Seller Centre page,
    open in this process for its signed calls, heard a message frame on the page's own socket
    since the last round (PageSigner.page_news). Such a shop's signal is asked at once; the
    signal and the pull stay the only source of messages (docs/SELLERCENTRE.md)."""
    if not settings.SELLERCENTRE_PAGE_SOCKET:
        return []
    page_news = getattr(sellercentre_client().signer, "page_news", None)
    if page_news is None:  # plain signing: no page, no socket
        return []
    heard = [shop_id for shop_id, frames in page_news().items() if frames]
    return list(Shop.objects.filter(shop_id__in=heard).values_list("pk", flat=True)) if heard else []


# -- one shop --------------------------------------------------------------------------------------


def backoff_seconds(failures: int) -> float:
    """How long to wait after `failures` failed asks in a row."""
    return min(settings.CHAT_LIVE_SIGNAL_SECONDS * 2**failures, settings.CHAT_LIVE_BACKOFF_MAX_SECONDS)


def live_ask(*, claim: SignalClaim) -> str:
    """Ask one claimed shop's signal; pull when it says something changed. Returns what happened."""
    shop = Shop.objects.filter(pk=claim.shop_pk).first()
    if shop is None or not shop.can_send or not shop.uses_seller_centre:
        return SKIPPED
    transport = transport_for(shop)
    try:
        transport.open()
        news = transport.signal()
    except AuthError as exc:  # the transport renewed the session once already: the login is lost
        transport.session_lost(exc)
        sync_failed(shop_pk=shop.pk, kind=CHAT, error=exc)
        return LOST
    except RateLimited as exc:
        signal_later(
            shop_pk=shop.pk, after=max(exc.retry_after, backoff_seconds(claim.failures)), failed=True
        )
        return BACKED_OFF
    except ShopeeError as exc:
        sync_failed(shop_pk=shop.pk, kind=CHAT, error=exc)
        signal_later(shop_pk=shop.pk, after=backoff_seconds(claim.failures + 1), failed=True)
        return BACKED_OFF
    if news is None:
        return SKIPPED
    owed = claim.unread is None  # never pulled on a signal yet, or the last such pull did not run
    if not news.have_new_msg and not owed and news.unread_count in (None, claim.unread):
        if claim.failures:
            signal_settled(shop_pk=shop.pk, unread=claim.unread, pulled=False)
        return QUIET
    result = chat_sync_shop(shop=shop)
    if not result.ran or result.error:  # the beat's pull holds the shop, or the pull failed: again soon
        signal_later(shop_pk=shop.pk, after=settings.CHAT_LIVE_FAST_SECONDS, pull_owed=True)
        return OWED
    # An answer without a count compares on have_new_msg alone: 0 stands for "covered".
    signal_settled(shop_pk=shop.pk, unread=news.unread_count or 0, pulled=True)
    return PULLED


# -- the loop ----------------------------------------------------------------------------------------


class LiveLoop:
    """Rounds of claims, each claimed shop asked by one of `threads` threads (each with its own
    database connection, closed when the loop closes). `run` until `stop` is set."""

    def __init__(self, *, threads: int | None = None) -> None:
        self.jobs: queue.Queue[SignalClaim | None] = queue.Queue()
        self.asking: set[int] = set()  # shops whose ask this process has not finished
        self.lock = threading.Lock()
        self.heartbeat_at = 0.0
        self.watched: tuple[float, list[int]] = (0.0, [])  # when read, and the shops to ask
        self.threads = [
            threading.Thread(target=self._work, name=f"chat-live-{n}", daemon=True)
            for n in range(threads or settings.CHAT_LIVE_THREADS)
        ]
        for thread in self.threads:
            thread.start()

    def close(self) -> None:
        """Let the asks under way finish, then stop the threads."""
        for _thread in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join(timeout=settings.SHOPEE_TIMEOUT_SECONDS * 4)

    def run(self, stop: threading.Event) -> None:
        log.info(
            "live signal every %s s (%s s after activity) for watched Seller Centre shops",
            settings.CHAT_LIVE_SIGNAL_SECONDS,
            settings.CHAT_LIVE_FAST_SECONDS,
        )
        try:
            while not stop.is_set():
                stop.wait(self.round())
        finally:
            self.close()

    def round(self) -> float:
        """Claim the due shops and hand them to the pool; returns how long to wait for the next round."""
        close_old_connections()
        try:
            if time.monotonic() - self.heartbeat_at >= HEARTBEAT_SECONDS:
                record_heartbeat(LIVE_HEARTBEAT_KEY)
                self.heartbeat_at = time.monotonic()
            if heard := live_socket_news():
                signal_due_now(shop_pks=heard)
                for pk in heard:
                    chat_live_quicken(shop_pk=pk)
            with self.lock:
                busy = set(self.asking)
            shop_pks = [pk for pk in self._watched() if pk not in busy]
            if not shop_pks:
                return ROUND_MAX_SECONDS
            fast = cache.get_many([live_fast_key(pk) for pk in shop_pks])
            claims, next_in = signal_claim(
                shop_pks=shop_pks,
                fast_pks={pk for pk in shop_pks if live_fast_key(pk) in fast},
                every=settings.CHAT_LIVE_SIGNAL_SECONDS,
                fast_every=settings.CHAT_LIVE_FAST_SECONDS,
            )
        except Exception:  # the database or the cache is away: the next round tries again
            log.exception("a live round failed")
            return ROUND_MAX_SECONDS
        for claim in claims:
            with self.lock:
                self.asking.add(claim.shop_pk)
            self.jobs.put(claim)
        return min(max(next_in, ROUND_MIN_SECONDS), ROUND_MAX_SECONDS)

    def _watched(self) -> list[int]:
        """live_shop_pks(), read at most once a second (presence moves in 20-second steps)."""
        read_at, shop_pks = self.watched
        if time.monotonic() - read_at >= ROUND_MAX_SECONDS:
            shop_pks = live_shop_pks()
            self.watched = (time.monotonic(), shop_pks)
        return shop_pks

    def _work(self) -> None:
        try:
            while (claim := self.jobs.get()) is not None:
                self._ask(claim)
        finally:
            connections.close_all()

    def _ask(self, claim: SignalClaim) -> None:
        started = time.monotonic()
        close_old_connections()
        try:
            outcome = live_ask(claim=claim)
            log.debug(
                "live signal of shop pk=%s: %s in %.3f s", claim.shop_pk, outcome, time.monotonic() - started
            )
        except Exception:  # one shop's trouble must not stop the others
            log.exception("live signal of shop pk=%s failed", claim.shop_pk)
        finally:
            close_old_connections()
            with self.lock:
                self.asking.discard(claim.shop_pk)
