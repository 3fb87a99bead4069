"""`Sandbox`: start and stop the server, and drive it from Python the way the control API does."""

from __future__ import annotations

import copy
import json
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from shopee.sandbox import chat, orders, sellercentre, shops
from shopee.sandbox.channels import CHANNELS
from shopee.sandbox.config import DEMO_PARTNER_ID, DEMO_PARTNER_KEY, RATE_KEYS, Faults, SandboxConfig
from shopee.sandbox.core import Core
from shopee.sandbox.demo import seed_demo
from shopee.sandbox.pushes import PushSender, push_summary
from shopee.sandbox.server import SandboxHTTPServer
from shopee.sandbox.state import Message, Order, World, load_state_file, write_atomically

log = logging.getLogger(__name__)


class Sandbox:
    """A stand-in for the Shopee Open Platform v2 over real HTTP.

    sb = Sandbox(partner_id=..., partner_key=..., push_key=None, callback_url=None, **config)
    sb.start(host="127.0.0.1", port=0); sb.url; ...; sb.stop()

    `config` takes any `SandboxConfig` field (push_retry_delays=[0.1, 0.2], authorization_days=…).
    With `state_file` the state is loaded at start and saved after changes and at stop; with
    `demo` an empty state is seeded with the demo shops, orders and chats.
    """

    def __init__(
        self,
        partner_id: int | str = DEMO_PARTNER_ID,
        partner_key: str = DEMO_PARTNER_KEY,
        push_key: str | None = None,
        callback_url: str | None = None,
        *,
        state_file: str | Path | None = None,
        demo: bool = False,
        **config: Any,
    ) -> None:
        settings = SandboxConfig(
            partner_id=int(partner_id), partner_key=partner_key, push_key=push_key, callback_url=callback_url
        )
        settings.update(config)
        self.core = Core(settings)
        self.state_file = Path(state_file) if state_file else None
        self.demo = demo
        self._httpd: SandboxHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._save_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Sandbox:
        if self._httpd is not None:
            raise RuntimeError("the sandbox is already running")
        self.core.stopping.clear()
        world = self._load()
        self.core.world = world if world is not None else World()
        self._httpd = SandboxHTTPServer((host, port), self)
        self.core.base_url = self.url  # before seeding: the demo's pictures are served here
        if world is None and self.demo:
            seed_demo(self.core)
        self._threads = [
            threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="sandbox-http",
                daemon=True,
            ),
            PushSender(self.core),
        ]
        if self.state_file:
            self._threads.append(threading.Thread(target=self._save_loop, name="sandbox-saver", daemon=True))
        for thread in self._threads:
            thread.start()
        log.info("Shopee sandbox listening on %s", self.url)
        return self

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the sandbox is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._httpd is None:
            return
        self.core.stopping.set()
        self.core.push_wakeup.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._save()
        self._httpd = None

    def __enter__(self) -> Sandbox:
        return self if self._httpd else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _load(self) -> World | None:
        if not self.state_file or not self.state_file.exists():
            return None
        log.info("loading sandbox state from %s", self.state_file)
        return load_state_file(self.state_file)

    def _save(self) -> None:
        if not self.state_file:
            return
        with self._save_lock:  # the saver thread and stop() must not finish out of order
            with self.core.lock:
                text = self.core.world.to_json()
            write_atomically(self.state_file, text)

    def _save_loop(self) -> None:
        """Save at most every `save_delay_seconds` while changes keep coming."""
        core = self.core
        while not core.stopping.is_set():
            if core.dirty.wait(0.2):
                core.stopping.wait(core.config.save_delay_seconds)
                core.dirty.clear()
                self._save()

    # -- control: the same operations as /_sandbox/ ------------------------------------------------

    def reset(self, demo: bool = False) -> None:
        """Empty state (or the demo seed), settings as constructed, no faults, no counted calls."""
        with self.core.lock:
            self.core.reset(World())
            if demo:
                seed_demo(self.core)

    def configure(self, **changes: Any) -> dict[str, Any]:
        with self.core.lock:
            self.core.config.update(changes)
            return self.core.config.as_dict()

    def set_faults(self, *, clear: bool = False, **changes: Any) -> dict[str, Any]:
        """Merge fault settings (`clear=True` first turns every fault off). Also accepts the
        rate-limit keys of the config and `outage_seconds`."""
        with self.core.lock:
            rates = {k: changes.pop(k) for k in RATE_KEYS if k in changes}
            faults = Faults() if clear else copy.copy(self.core.faults)
            faults.update(changes)  # a bad value raises here, before anything changed
            self.core.config.update(rates)
            self.core.faults = faults
            return faults.as_dict() | {k: getattr(self.core.config, k) for k in RATE_KEYS}

    def create_shop(
        self,
        *,
        account: str,
        password: str,
        name: str,
        shop_id: str | int | None = None,
        region: str = "TW",
    ) -> dict[str, Any]:
        with self.core.lock:
            shop = shops.shop_create(
                self.core,
                account=account,
                password=password,
                name=name,
                shop_id=str(shop_id) if shop_id is not None else None,
                region=region,
            )
            return shops.shop_summary(self.core, shop)

    def shops(self) -> list[dict[str, Any]]:
        with self.core.lock:
            return [shops.shop_summary(self.core, shop) for shop in self.core.world.shops.values()]

    def authorize_code(self, shop_id: str | int) -> str:
        """The `code` Shopee would put in the redirect after the seller approved."""
        with self.core.lock:
            return shops.shop_authorize(self.core, shop_id)

    def revoke(self, shop_id: str | int) -> None:
        with self.core.lock:
            shops.shop_revoke(self.core, shop_id)

    def change_password(self, shop_id: str | int, password: str) -> None:
        with self.core.lock:
            shops.shop_change_password(self.core, shop_id, password)

    def expire_soon(self, shop_id: str | int, days: float = 7) -> None:
        with self.core.lock:
            shops.shop_expire_soon(self.core, shop_id, days)

    def create_order(self, *, shop_id: str | int, **fields: Any) -> dict[str, Any]:
        """Fields: buyer_id, buyer_name, status, carrier, tracking_number ("auto" draws one),
        items [{item_name, quantity, price, model_name}], total_amount, shipping_fee, create_time, order_sn."""
        with self.core.lock:
            return _order_out(orders.order_create(self.core, shop_id=shop_id, **fields))

    def set_order_status(self, order_sn: str, status: str) -> dict[str, Any]:
        with self.core.lock:
            return _order_out(orders.order_set_status(self.core, order_sn, status))

    def set_order_items(self, order_sn: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        with self.core.lock:
            return _order_out(orders.order_set_items(self.core, order_sn, items))

    def set_tracking_number(self, order_sn: str, tracking_number: str | None = None) -> dict[str, Any]:
        with self.core.lock:
            return _order_out(orders.order_set_tracking_number(self.core, order_sn, tracking_number))

    def buyer_says(
        self,
        shop_id: str | int,
        text: str | None = None,
        *,
        buyer_id: str | int | None = None,
        buyer_name: str | None = None,
        message_type: str = "text",
        content: dict[str, Any] | None = None,
        order_sn: str | None = None,
    ) -> dict[str, Any]:
        return self._says(
            chat.buyer_says,
            shop_id=shop_id,
            buyer_id=buyer_id,
            buyer_name=buyer_name,
            text=text,
            message_type=message_type,
            content=content,
            order_sn=order_sn,
        )

    def seller_centre_says(self, shop_id: str | int, buyer_id: str | int, text: str) -> dict[str, Any]:
        return self._says(chat.seller_centre_says, shop_id=shop_id, buyer_id=buyer_id, text=text)

    def shopee_says(
        self,
        shop_id: str | int,
        buyer_id: str | int,
        text: str | None = None,
        *,
        message_type: str = "text",
        content: dict[str, Any] | None = None,
        status: str = "auto_reply",
    ) -> dict[str, Any]:
        """Shopee writes on the shop's side: an auto-reply, the FAQ assistant (no push, no delivery)."""
        return self._says(
            chat.shopee_says,
            shop_id=shop_id,
            buyer_id=buyer_id,
            message_type=message_type,
            text=text,
            content=content,
            status=status,
        )

    def _says(self, write: Callable[..., Message], **fields: Any) -> dict[str, Any]:
        """A message someone writes in a conversation (chat.buyer_says and its kin), as it is stored."""
        with self.core.lock:
            return _message_out(write(self.core, **fields))

    def uploads(self, shop_id: str | int | None = None) -> list[dict[str, Any]]:
        """Pictures uploaded for image messages (and buyers' photos), oldest first, with the
        messages showing each (`used_by`: none means an upload no message shows, an orphan)."""
        with self.core.lock:
            world = self.core.world
            shown: dict[str, list[str]] = {}
            for message in world.messages.values():
                if message.message_type == "image":
                    name = str(message.content.get("url") or "").rsplit("/file/", 1)[-1]
                    shown.setdefault(name, []).append(message.message_id)
            return [
                {
                    "url_hash": u.url_hash,
                    "shop_id": u.shop_id,
                    "via": u.via,
                    "content_type": u.content_type,
                    "size": u.size,
                    "width": u.width,
                    "height": u.height,
                    "url": f"{self.core.base_url}/file/{u.url_hash}",
                    "used_by": shown.get(u.url_hash, []),
                }
                for u in sorted(world.uploads.values(), key=lambda u: u.created_ns)
                if shop_id is None or u.shop_id == str(shop_id)
            ]

    def shift_clock(self, seconds: float) -> int:
        """Move the sandbox clock (tokens, codes, authorizations, chat windows); returns its time."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds):
            raise ValueError("shift_seconds must be a number of seconds")
        with self.core.lock:
            snapshot = shops.authorization_snapshot(self.core)
            self.core.world.clock_offset += float(seconds)
            shops.authorizations_after_clock_shift(self.core, snapshot)
            self.core.changed()
            return self.core.world.now_s()

    def now(self) -> int:
        with self.core.lock:
            return self.core.world.now_s()

    def deliveries(
        self, shop_id: str | int | None = None, buyer_id: str | int | None = None
    ) -> list[dict[str, Any]]:
        with self.core.lock:
            return chat.deliveries(
                self.core,
                shop_id=str(shop_id) if shop_id is not None else None,
                buyer_id=str(buyer_id) if buyer_id is not None else None,
            )

    def calls(self) -> list[dict[str, Any]]:
        with self.core.lock:
            return [
                {"path": path, "shop_id": shop_id, "count": count}
                for (path, shop_id), count in sorted(self.core.calls.items())
            ]

    def reset_calls(self) -> None:
        """Forget the calls counted so far (and the signals answered)."""
        with self.core.lock:
            self.core.calls.clear()
            self.core.signals.clear()

    def pushes(self) -> list[dict[str, Any]]:
        with self.core.lock:
            return [push_summary(push) for push in self.core.world.pushes]

    # -- Seller Centre face ------------------------------------------------------------------------

    def sc_links(self, shop_id: str | int | None = None) -> list[dict[str, Any]]:
        """Verification links "sent to the phone", newest first; open `url` to tap one."""
        with self.core.lock:
            found = sellercentre.links(self.core, str(shop_id) if shop_id is not None else None)
        return [link | {"url": self.url + link["path"]} for link in found]

    def sc_tap_link(self, shop_id: str | int) -> dict[str, Any]:
        """Tap the newest link sent to the shop's phone (as opening it and confirming would)."""
        with self.core.lock:
            shops.shop_get(self.core, shop_id)
            found = sellercentre.links(self.core, str(shop_id))
            if not found:
                raise LookupError(f"no verification link was sent for shop {shop_id}")
            token = found[0]["path"].split("short_token=", 1)[1]
            return {"result": sellercentre.link_tap(self.core, token)}

    def sc_revoke(self, shop_id: str | int) -> int:
        """End every Seller Centre session of the shop (Shopee logged it out); returns how many."""
        with self.core.lock:
            shops.shop_get(self.core, shop_id)
            return sellercentre.sessions_revoke(self.core, str(shop_id))

    def sc_signals(self, shop_id: str | int | None = None) -> list[dict[str, Any]]:
        """Seller Centre's cheap signal (user/sync) as answered per shop since the last reset:
        `calls`, how many said `have_new_msg`, and the `times` of the newest 1000 (unix seconds)."""
        with self.core.lock:
            return sellercentre.signals(self.core, str(shop_id) if shop_id is not None else None)

    def sc_sessions(self, shop_id: str | int | None = None) -> list[dict[str, Any]]:
        with self.core.lock:
            return sellercentre.sessions(self.core, str(shop_id) if shop_id is not None else None)

    def state(self) -> dict[str, Any]:
        with self.core.lock:
            return json.loads(self.core.world.to_json())["world"]


def _order_out(order: Order) -> dict[str, Any]:
    data = asdict(order)
    data["buyer_id"] = str(order.buyer_id)
    data["carrier"] = CHANNELS[order.channel_id].name
    return data


def _message_out(message: Message) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "conversation_id": message.conversation_id,
        "shop_id": message.shop_id,
        "buyer_id": str(message.buyer_id),
        "from_buyer": message.from_buyer,
        "message_type": message.message_type,
        "content": message.content,
        "source_content": message.source_content,
        "created_timestamp": message.created_ns // chat.NS,
        "status": message.status,
    }
