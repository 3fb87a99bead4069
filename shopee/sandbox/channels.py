"""Shopee Taiwan logistics channels as the sandbox knows them.

30001/30005/30006/30007/30014 are documented ids; 30029 is very likely 蝦皮店到店 (UNCERTAIN);
新竹物流 and 賣家宅配 ids are the sandbox's own choice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Channel:
    channel_id: int
    name: str  # logistics_channel_name, and the order's shipping_carrier
    latin_name: str  # for the PDF label (no CJK font in a hand-made PDF)
    kind: str  # "store" (convenience-store pickup), "home" (courier), "seller" (seller-arranged)
    document: str | None  # shipping-document format: "html", "pdf", or None when Shopee prints none
    tracking_pattern: str  # "#" a digit, "@" a capital letter, anything else literal

    @property
    def integrated(self) -> bool:
        """Shopee arranges the 3PL and assigns the tracking number."""
        return self.kind != "seller"

    def new_tracking_number(self, rng: random.Random) -> str:
        return "".join(
            str(rng.randrange(10)) if ch == "#" else chr(rng.randrange(65, 91)) if ch == "@" else ch
            for ch in self.tracking_pattern
        )


CHANNELS: dict[int, Channel] = {
    channel.channel_id: channel
    for channel in (
        Channel(30005, "7-ELEVEN", "7-ELEVEN", "store", "html", "F###########"),
        Channel(30006, "全家", "FamilyMart", "store", "html", "1##########"),
        Channel(30007, "萊爾富", "Hi-Life", "store", "html", "H##########"),
        Channel(30014, "OK Mart", "OK Mart", "store", "html", "K##########"),
        Channel(30029, "蝦皮店到店", "Shopee Store to Store", "store", "html", "TW############@"),
        # 黑貓宅急便: the 3PL brings its own label, Shopee prints nothing [OFF].
        Channel(30001, "黑貓宅急便", "T-Cat", "home", None, "9###########"),
        Channel(30016, "新竹物流", "HCT Logistics", "home", "pdf", "6#########"),
        Channel(30099, "賣家宅配", "Seller delivery", "seller", None, "S##########"),
    )
}


def channel_by_carrier(carrier: str) -> Channel:
    for channel in CHANNELS.values():
        if carrier in (channel.name, channel.latin_name, str(channel.channel_id)):
            return channel
    raise ValueError(f"unknown carrier {carrier!r}; known: {', '.join(c.name for c in CHANNELS.values())}")
