"""Live chat of Taiwanese shops (chat.live): Seller Centre's cheap signal asked at its interval
while staff who see the shop are about, one asker per shop across processes, a pull only when
the signal says something changed; against the sandbox over real HTTP, with real `chat_live`
processes where the cadence and the lease across processes are what is tested."""

from __future__ import annotations

import sys
import time

import pytest
from django.core.cache import cache

from accounts.models import Shop, ShopSync
from chat import live, sync
from chat.live import LiveLoop, live_shop_pks, present_key
from chat.models import Message
from chat.services import live_fast_key
from tests.inbox.helpers import chat_login_verified
from tests.utils import signed_in, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

INTERVAL = 1.0  # the processes' CHAT_LIVE_SIGNAL_SECONDS: short, so a few seconds show the cadence
# Claims are exactly an interval apart; the sandbox stamps a call when it arrives, which a loaded
# machine delays by up to a few tenths of a second. Two askers of one shop would make gaps near 0.
JITTER = 0.6


def forget_live_state(users=(), shops=()) -> None:
    """Presence and fast marks of earlier tests (ids are reused after a flush) mean nothing here."""
    cache.delete_many(
        [key for user in users for key in (f"chat:live-noted:{user.pk}", present_key(user.pk))]
        + [live_fast_key(shop.pk) for shop in shops]
    )


def live_shop(sandbox, user) -> Shop:
    """A TW shop verified by its Seller Centre login, with two buyers' chats pulled once, as the
    verification does."""
    shop, _remote = chat_login_verified(sandbox, user)
    forget_live_state(users=[user], shops=[shop])
    for number in (1, 2):
        sandbox.buyer_says(shop.shop_id, f"第{number}位買家的問題", buyer_id=f"70000000{number}")
    sync.chat_sync_shop(shop=shop)
    cache.delete(live_fast_key(shop.pk))  # that first pull is not a buyer writing
    return shop


def staff_about(user) -> None:
    """The person opens the inbox: a signed-in request, as any page or poll makes."""
    assert signed_in(user).get("/chat/").status_code == 200


def signal_times(sandbox, shop: Shop) -> list[float]:
    found = sandbox.sc_signals(shop.shop_id)
    return found[0]["times"] if found else []


def calls_of(sandbox, shop: Shop) -> dict[str, int]:
    return {row["path"]: row["count"] for row in sandbox.calls() if row["shop_id"] == shop.shop_id}


def one_round(loop: LiveLoop) -> None:
    """One round of the loop, its asks finished."""
    loop.round()
    wait_until(lambda: not loop.asking, timeout=20, message="the round's asks")


@pytest.fixture
def loop():
    running = LiveLoop(threads=4)
    yield running
    running.close()


@pytest.fixture
def start_live(_services, settings):
    """Start `manage.py chat_live` processes against this test's database, cache and sandbox."""

    def start(name: str = "live", **env):
        settings_env = {
            "CHAT_LIVE_SIGNAL_SECONDS": INTERVAL,
            "CHAT_LIVE_FAST_SECONDS": 0.5,
            "CHAT_LIVE_FAST_FOR_SECONDS": 60,
            "LOG_LEVEL": "DEBUG",
        } | env
        return _services([sys.executable, "manage.py", "chat_live"], name=name, env_extra=settings_env)

    return start


# -- real processes: the cadence and one asker per shop ---------------------------------------------


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


def test_the_signal_is_asked_at_the_interval_and_not_more_costing_one_call_when_nothing_changed(
    sandbox, salesperson, start_live
):
    shops = [live_shop(sandbox, salesperson) for _ in range(3)]
    staff_about(salesperson)
    live_process = start_live()
    for shop in shops:
        wait_until(lambda shop=shop: signal_times(sandbox, shop), timeout=30, message="the first signal")
    time.sleep(2 * INTERVAL)  # the first answer pulls once (nothing was counted yet): past that
    sandbox.reset_calls()

    time.sleep(6 * INTERVAL)

    for shop in shops:
        times = signal_times(sandbox, shop)
        assert 3 <= len(times) <= 7, (times, live_process.log()[-3000:])  # about 6, never more than 7
        assert min(gaps(times)) >= INTERVAL * JITTER, times  # never sooner than the interval
        # Nothing changed: the signal is the only call, never the conversation list.
        assert calls_of(sandbox, shop) == {"/webchat/api/v1.2/mini/user/sync": len(times)}


def test_two_processes_ask_each_shop_once_per_interval_between_them(sandbox, salesperson, start_live):
    shop = live_shop(sandbox, salesperson)
    staff_about(salesperson)
    start_live("live-a"), start_live("live-b")
    wait_until(lambda: len(signal_times(sandbox, shop)) >= 2, timeout=30, message="signals")
    sandbox.reset_calls()

    time.sleep(6 * INTERVAL)

    times = signal_times(sandbox, shop)
    assert 3 <= len(times) <= 7, times  # not twice as many
    assert min(gaps(times)) >= INTERVAL * JITTER, times


def test_a_buyers_message_is_signalled_pulled_and_stored_then_the_shop_is_asked_faster(
    sandbox, salesperson, start_live
):
    shop = live_shop(sandbox, salesperson)
    staff_about(salesperson)
    process = start_live()
    wait_until(lambda: len(signal_times(sandbox, shop)) >= 2, timeout=30, message="signals")
    conversations_before = calls_of(sandbox, shop).get("/webchat/api/v1.2/mini/conversations", 0)
    told_before = sandbox.sc_signals(shop.shop_id)[0]["have_new_msg"]

    said = sandbox.buyer_says(shop.shop_id, "請問今天可以出貨嗎？", buyer_id="700000123", buyer_name="阿華")
    stored = wait_until(
        lambda: Message.objects.filter(shop=shop, message_id=said["message_id"]).first(),
        timeout=10,
        message="the buyer's message stored by the live pull",
    )

    assert stored.text == "請問今天可以出貨嗎？" and stored.from_buyer
    assert stored.conversation.buyer_name == "阿華"
    assert calls_of(sandbox, shop)["/webchat/api/v1.2/mini/conversations"] == conversations_before + 1, (
        process.log()[-4000:]
    )
    assert sandbox.sc_signals(shop.shop_id)[0]["have_new_msg"] == told_before + 1
    # New messages: the shop is asked every CHAT_LIVE_FAST_SECONDS (0.5) for a while.
    sandbox.reset_calls()
    time.sleep(3)
    assert len(signal_times(sandbox, shop)) >= 4


# -- in-process rounds: who is asked ------------------------------------------------------------------


def test_only_shops_that_someone_who_sees_them_is_about_for_are_asked(
    sandbox, salesperson, other_staff, manager, loop
):
    mine = live_shop(sandbox, salesperson)
    theirs = live_shop(sandbox, other_staff)
    forget_live_state(users=[salesperson, other_staff, manager])
    assert live_shop_pks() == []  # nobody about: the beat's minute pull is all

    staff_about(salesperson)
    one_round(loop)

    assert live_shop_pks() == [mine.pk]
    assert len(signal_times(sandbox, mine)) == 1 and signal_times(sandbox, theirs) == []

    staff_about(manager)  # sees every shop
    assert live_shop_pks() == [mine.pk, theirs.pk]


def test_presence_lasts_as_long_as_the_setting_then_the_shop_is_idle(sandbox, salesperson, settings):
    settings.CHAT_LIVE_PRESENCE_SECONDS = 1
    shop = live_shop(sandbox, salesperson)
    staff_about(salesperson)
    assert live_shop_pks() == [shop.pk]
    wait_until(lambda: live_shop_pks() == [], timeout=5, message="presence to lapse")


def test_a_shop_whose_chat_login_is_lost_is_no_longer_asked(sandbox, salesperson, loop):
    shop = live_shop(sandbox, salesperson)
    staff_about(salesperson)
    one_round(loop)
    # Shopee ended the session and the password changed: no silent re-login can work.
    sandbox.sc_revoke(shop.shop_id)
    sandbox.change_password(shop.shop_id, "a-new-password")
    ShopSync.objects.filter(shop=shop, kind=ShopSync.Kind.CHAT).update(signal_due_at=None)

    one_round(loop)

    shop.refresh_from_db()
    assert shop.chat_state == Shop.ChatState.UNVERIFIED and shop.chat_state_reason == "wrong_password"
    asked = len(signal_times(sandbox, shop))
    assert live_shop_pks() == []
    one_round(loop)
    assert len(signal_times(sandbox, shop)) == asked


def test_a_transient_failure_backs_off_and_a_pull_that_could_not_run_is_owed(
    sandbox, salesperson, loop, settings
):
    settings.CHAT_LIVE_SIGNAL_SECONDS = 2
    shop = live_shop(sandbox, salesperson)
    staff_about(salesperson)
    chat = ShopSync.objects.filter(shop=shop, kind=ShopSync.Kind.CHAT)

    sandbox.set_faults(outage_seconds=30)
    one_round(loop)
    row = chat.get()
    assert row.signal_failures == 1 and row.last_error_code == "error_server"
    assert row.signal_due_at.timestamp() - time.time() > 3  # backed off past the interval

    sandbox.set_faults(clear=True)
    said = sandbox.buyer_says(shop.shop_id, "還在嗎", buyer_id="700000124")
    chat.update(signal_due_at=None, lease_token="another-run", lease_expires_at=row.signal_due_at)
    one_round(loop)  # the signal says so, but the beat's pull holds the shop
    assert chat.get().signal_unread is None and not Message.objects.filter(message_id=said["message_id"])

    chat.update(signal_due_at=None, lease_token="", lease_expires_at=None)
    one_round(loop)  # nothing new since, but the pull is owed
    assert Message.objects.filter(message_id=said["message_id"]).exists()
    assert chat.get().signal_failures == 0


def test_a_reply_queued_in_the_inbox_makes_the_shop_asked_faster(sandbox, salesperson, settings):
    shop = live_shop(sandbox, salesperson)
    sandbox.buyer_says(shop.shop_id, "在嗎", buyer_id="700000125")
    sync.chat_sync_shop(shop=shop)
    cache.delete(live_fast_key(shop.pk))
    conversation = shop.conversations.get(buyer_id="700000125")
    client = signed_in(salesperson)

    sent = client.post(
        f"/chat/c/{conversation.pk}/send/", {"text": "在的，請說", "idempotency_key": "k-live-1"}
    )

    assert sent.status_code == 302

    assert cache.get(live_fast_key(shop.pk)) is not None
    assert live.live_shop_pks() == [shop.pk]  # the request itself made the shop watched


# -- the hook on the page's own socket (off by default) ---------------------------------------------


def test_with_the_page_socket_hook_a_message_frame_makes_the_signal_asked_at_once(
    sandbox, salesperson, loop, settings
):
    from datetime import timedelta
    from pathlib import Path

    from django.utils import timezone

    from accounts.chatlogin import sellercentre_client
    from tests.shopee.test_sellercentre_page_socket import STAND_IN_SOCKET, in_page
    from tests.utils import need

    need(Path("/usr/bin/chromium").exists(), "Chromium at /usr/bin/chromium")
    settings.SELLERCENTRE_SIGNING = "page"
    settings.SELLERCENTRE_PAGE_SOCKET = True
    sandbox.configure(sc_signed=True)
    shop = live_shop(sandbox, salesperson)
    staff_about(salesperson)
    one_round(loop)  # the page is open now (the signal went through it); it has no socket
    signer = sellercentre_client().signer
    assert signer.page_news() == {shop.shop_id: None}

    in_page(signer, STAND_IN_SOCKET, shop.shop_id)
    signer.page_news()  # listening from now on
    later = timezone.now() + timedelta(hours=1)
    ShopSync.objects.filter(shop=shop, kind=ShopSync.Kind.CHAT).update(signal_due_at=later)
    said = sandbox.buyer_says(shop.shop_id, "從頁面的 socket 聽到", buyer_id="700000126")
    in_page(
        signer, "() => window.__CHAT_GLOBAL__.socket.emit('message', {message_type: 'message'})", shop.shop_id
    )

    one_round(loop)

    assert Message.objects.filter(message_id=said["message_id"]).exists()
    assert cache.get(live_fast_key(shop.pk)) is not None


def test_the_status_page_says_whether_the_live_loop_runs(manager, loop):
    from telemetry.health import LIVE_HEARTBEAT_KEY

    cache.delete(LIVE_HEARTBEAT_KEY)
    page = signed_in(manager).get("/status/").content.decode()
    assert "即時聊聊（chat_live）" in page and "未執行：台灣賣場的新訊息每分鐘才同步一次" in page

    loop.round()

    assert "最近一輪 0 秒前" in signed_in(manager).get("/status/").content.decode()
