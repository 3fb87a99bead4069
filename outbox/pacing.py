"""How fast a shop's messages may go out: its own rate, and for the Seller Centre session
transport the conservative pacing and daily cap on top (settings). Delivery obeys it; the batch
notice preview uses it to tell staff how long a batch will take before they confirm."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from accounts.models import Shop
from outbox.models import OutgoingMessage
from outbox.states import PENDING, State


@dataclass(frozen=True)
class Pace:
    per_second: float
    daily_cap: int | None  # None: Shopee's own limits only


def shop_pace(shop: Shop) -> Pace:
    per_second = shop.send_rate_per_second
    if shop.uses_seller_centre:
        return Pace(
            min(per_second, settings.SELLERCENTRE_SEND_RATE_PER_SECOND), settings.SELLERCENTRE_DAILY_CAP
        )
    return Pace(per_second, None)


def sent_today(shop_pk: int) -> int:
    """Messages the shop sent since midnight, local time (settings.TIME_ZONE: Asia/Taipei)."""
    return sent_today_of([shop_pk]).get(shop_pk, 0)


def sent_today_of(shop_pks: Iterable[int]) -> dict[int, int]:
    """sent_today of every shop named, in one query (shops that sent nothing are left out)."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    sent = OutgoingMessage.objects.filter(shop_id__in=list(shop_pks), state=State.SENT, sent_at__gte=midnight)
    return dict(sent.values("shop_id").annotate(count=Count("id")).values_list("shop_id", "count"))


@dataclass(frozen=True)
class Estimate:
    ahead: int  # the shop's messages already waiting, which go first
    seconds: float  # until the last of these that fit today's cap has gone
    tomorrow: int  # over today's cap: they wait for the next day


def delivery_estimate(shop: Shop, messages: int) -> Estimate:
    """How long `messages` more for `shop` take behind what is already waiting (three queries)."""
    pace = shop_pace(shop)
    ahead = OutgoingMessage.objects.filter(shop=shop, state__in=PENDING).count()
    total, later = ahead + messages, 0
    if pace.daily_cap is not None:
        left = max(0, pace.daily_cap - sent_today(shop.pk))
        later = min(messages, max(0, total - left))
        total = min(total, left)
    return Estimate(
        ahead=ahead, seconds=total / pace.per_second if pace.per_second > 0 else 0.0, tomorrow=later
    )
