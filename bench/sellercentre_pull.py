"""Incremental pull on the Seller Centre web chat, client only (no Django): N shops verified in the
sandbox, then one `conversations_since` per shop where nothing changed. Prints calls per shop
(target 1) and wall time, and the same after one buyer message in every shop.

    .venv/bin/python bench/sellercentre_pull.py [--shops 100] [--threads 4] [--signing none|page]

`--signing page` runs every call inside a headless Chromium page per shop (the sandbox in signed
mode); its first pull includes opening each shop's page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shopee.sandbox import Sandbox  # noqa: E402
from shopee.sellercentre import SellerCentreClient, make_signer, new_device_id  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shops", type=int, default=100)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--signing", choices=("none", "page"), default="none")
    args = parser.parse_args()

    sb = Sandbox(sc_signed=args.signing == "page", sc_links_per_day=10).start()
    plain = SellerCentreClient(seller_url=sb.url, timeout=10)
    client = SellerCentreClient(
        seller_url=sb.url, timeout=10, signer=make_signer(args.signing, seller_url=sb.url)
    )
    sessions = []
    for n in range(args.shops):
        shop = sb.create_shop(account=f"bench{n}", password="pw-bench", name=f"賣場 {n}")
        for k in range(3):  # a few conversations a shop, as a real inbox has
            order = sb.create_order(shop_id=shop["shop_id"], buyer_id=str(500000 + 10 * n + k))
            sb.buyer_says(shop["shop_id"], "請問何時出貨？", buyer_id=order["buyer_id"])
        pending = plain.verification_send(
            plain.login(account=f"bench{n}", password="pw-bench", device_id=new_device_id())
        )
        sb.sc_tap_link(shop["shop_id"])
        sessions.append(client.chat_login(plain.verification_confirm(pending)))
    marks = {s.shop_id: client.conversations_since(s, since_nano=0)[1] for s in sessions}

    def pull(session):
        started = time.perf_counter()
        changed, mark = client.conversations_since(session, since_nano=marks[session.shop_id])
        return time.perf_counter() - started, len(changed), session.shop_id, mark

    def round_(label: str) -> None:
        sb.reset_calls()
        started = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            results = list(pool.map(pull, sessions))
        wall = time.perf_counter() - started
        calls = sum(c["count"] for c in sb.calls())
        times = sorted(r[0] for r in results)
        print(
            f"{label}: {args.shops} shops, {calls / args.shops:.2f} calls/shop, wall {wall:.2f} s "
            f"({args.threads} threads), per shop median {statistics.median(times) * 1000:.1f} ms, "
            f"p95 {times[int(len(times) * 0.95) - 1] * 1000:.1f} ms, changed {sum(r[1] for r in results)}"
        )
        for _, _, shop_id, mark in results:
            marks[shop_id] = mark

    round_("nothing changed")
    round_("nothing changed again")
    for n, shop in enumerate(sb.shops()):
        sb.buyer_says(shop["shop_id"], "還在嗎？", buyer_id=str(500000 + 10 * n))
    round_("one new buyer message per shop")
    client.close()
    plain.close()
    sb.stop()


if __name__ == "__main__":
    main()
