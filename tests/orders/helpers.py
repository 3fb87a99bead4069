"""Helpers of the order download, table and Excel tests (fixtures: conftest.py): orders seeded
on the sandbox with known numbers, one per case of docs/ORDER_SCOPES.md."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

TAIPEI = ZoneInfo("Asia/Taipei")
DAY = 86400


def at(day, hour: int = 12) -> int:
    """Unix seconds of `day` at `hour` o'clock in Taipei."""
    return int(datetime(day.year, day.month, day.day, hour, tzinfo=TAIPEI).timestamp())


# One order per case of docs/ORDER_SCOPES.md: (order_sn, status, carrier, tracking number?).
SCOPE_ORDERS = (
    ("240601STORE001", "READY_TO_SHIP", "全家", False),
    ("240601STORE002", "RETRY_SHIP", "7-ELEVEN", False),
    ("240601STORE003", "READY_TO_SHIP", "7-ELEVEN", True),
    ("240601STORE004", "PROCESSED", "蝦皮店到店", True),
    ("240601HOME0005", "READY_TO_SHIP", "黑貓宅急便", False),
    ("240601HOME0006", "PROCESSED", "新竹物流", True),
    ("240601HOME0007", "READY_TO_SHIP", "賣家宅配", False),
    ("240601DONE0008", "SHIPPED", "OK Mart", True),
    ("240601DONE0009", "COMPLETED", "黑貓宅急便", True),
    ("240601UNPD0010", "UNPAID", "萊爾富", False),
    ("240601CANC0011", "CANCELLED", "全家", False),
)

# What each scope must show of SCOPE_ORDERS (docs/ORDER_SCOPES.md).
SCOPE_EXPECTED = {
    "store_unnumbered": {"240601STORE001", "240601STORE002"},
    "store_and_home": {sn for sn, *_rest in SCOPE_ORDERS},
    "pending": {
        "240601STORE001",
        "240601STORE002",
        "240601STORE003",
        "240601STORE004",
        "240601HOME0005",
        "240601HOME0006",
        "240601HOME0007",
    },
    "store_numbered": {"240601STORE003", "240601STORE004"},
    "pending_home": {"240601HOME0005", "240601HOME0006", "240601HOME0007"},
    "all": {sn for sn, *_rest in SCOPE_ORDERS},
}


def seed_scope_orders(sandbox, shop, day) -> None:
    for number, (order_sn, status, carrier, tracked) in enumerate(SCOPE_ORDERS):
        sandbox.create_order(
            shop_id=shop.shop_id,
            order_sn=order_sn,
            status=status,
            carrier=carrier,
            tracking_number="auto" if tracked else None,
            buyer_id=str(800_000_000 + number),
            buyer_name=f"買家{number}",
            items=[{"item_name": f"商品{number}", "quantity": 1 + number % 2, "price": 100 + number}],
            create_time=at(day) + number * 60,
        )


def seed_orders(sandbox, shop, day, count: int, prefix: str = "T", hour: int = 12) -> list[str]:
    """`count` home-delivery orders to ship, created a second apart on `day`."""
    sns = []
    for number in range(count):
        order = sandbox.create_order(
            shop_id=shop.shop_id,
            order_sn=f"{prefix}{number:09d}",
            status="READY_TO_SHIP",
            carrier="黑貓宅急便",
            buyer_id=str(810_000_000 + number),
            items=[{"item_name": f"商品{number}", "quantity": 1, "price": 100}],
            create_time=at(day, hour) + number,
        )
        sns.append(order["order_sn"])
    return sns


def api_calls(sandbox, path_end: str) -> int:
    return sum(call["count"] for call in sandbox.calls() if call["path"].endswith(path_end))
