"""Shipping notices: the writes (F8 批次通知, F9 自動出貨通知).

`notice_plan` decides, before anything is sent, what each selected order gets: a message (alone,
or combined with the buyer's other orders), held (its shop's chat is not verified: it goes once
the shop is verified again), or skipped (Shopee hides the buyer; a placeholder has no value for
it). The compose page shows that plan; `batch_send` queues exactly it, in a few queries, once per
form token (a double click, reload or second tab finds the first batch). `auto_notice_converted`
queues one notice per converted order (the outbox's idempotency key and AutoNotice's one row per
order make repeats no-ops); shops in review mode keep them until `auto_notices_approve`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts.models import Shop
from audit.services import audit_batch_queued
from db.once import create_once
from notifications import skips
from notifications.models import (
    AutoNotice,
    NoticeBatch,
    NoticeBatchOrder,
    NoticeLastText,
    NoticeShopSettings,
    NoticeTemplate,
)
from orders.models import Order
from outbox.models import OutgoingMessage
from outbox.pacing import Estimate, delivery_estimate
from outbox.placeholders import missing_check, missing_values, render_combined, renderer
from outbox.services import (
    Draft,
    OutboxRefused,
    outbox_queue,
    outbox_queue_many,
    outbox_retry_failed,
    template_check,
)

__all__ = ["OutboxRefused"]  # raised by batch_send / the checks with the reason in words


@dataclass
class PlannedMessage:
    shop: Shop
    buyer_id: str
    orders: list[Order]
    text: str

    @property
    def held(self) -> bool:
        return not self.shop.can_send


@dataclass
class ShopCount:
    shop: Shop
    messages: int = 0
    orders: int = 0
    skipped: int = 0

    def estimate(self) -> Estimate:
        """How long this shop's messages will take to go out, behind what it already has waiting."""
        return delivery_estimate(self.shop, self.messages)

    @property
    def held(self) -> bool:
        return not self.shop.can_send


@dataclass
class Plan:
    messages: list[PlannedMessage] = field(default_factory=list)
    skipped: list[tuple[Order, str]] = field(default_factory=list)
    per_shop: dict[int, ShopCount] = field(default_factory=dict)

    @property
    def order_count(self) -> int:
        return sum(len(m.orders) for m in self.messages) + len(self.skipped)


def notice_plan(*, orders: list[PlanOrder] | list[Order], text: str, combine: bool = True) -> Plan:
    """What each order gets (see the module's docstring). Raises OutboxRefused for a text that
    cannot go at all (unknown placeholder, too long)."""
    template_check(text)
    missing_of, render = missing_check(text), renderer(text)
    plan = Plan()
    groups: dict[tuple[int, str], list] = defaultdict(list)
    for order in orders:
        count = plan.per_shop.get(order.shop_id) or plan.per_shop.setdefault(
            order.shop_id, ShopCount(order.shop)
        )
        reason = _skip(order, missing_of)
        if reason:
            plan.skipped.append((order, reason))
            count.skipped += 1
            continue
        key = (order.shop_id, order.buyer_user_id if combine else f"{order.buyer_user_id}:{order.pk}")
        groups[key].append(order)
    for (shop_pk, _buyer), group in groups.items():
        if len(group) > 1:
            group.sort(key=lambda o: (o.created_on_shopee, o.pk))
        message = PlannedMessage(group[0].shop, group[0].buyer_user_id, group, render(group))
        plan.messages.append(message)
        plan.per_shop[shop_pk].messages += 1
        plan.per_shop[shop_pk].orders += len(group)
    plan.messages.sort(key=lambda m: (m.shop.pk, m.orders[0].created_on_shopee, m.orders[0].pk))
    return plan


@dataclass(slots=True)
class PlanOrder:
    """What a notice needs of an order (placeholders, its buyer, its place in the queue), read as
    a plain row: planning a 5,000-order batch builds no model objects."""

    pk: int
    shop_id: int
    order_sn: str
    buyer_user_id: str
    buyer_username: str
    shipping_carrier: str
    tracking_number: str
    total_amount: Decimal | None
    created_on_shopee: datetime
    items: list = field(default_factory=list)
    shop: Shop | None = None

    product_names = Order.product_names  # [商品名稱], as the order itself says it


PLAN_FIELDS = (
    "pk",
    "shop_id",
    "order_sn",
    "buyer_user_id",
    "buyer_username",
    "shipping_carrier",
    "tracking_number",
    "total_amount",
    "created_on_shopee",
)


def plan_orders(order_pks, *, text: str = "") -> list[PlanOrder]:
    """The orders to plan for (the lines only if [商品名稱] needs them), each shop one object
    shared by its orders: a 5,000-order batch loads in two queries."""
    fields = PLAN_FIELDS + (("items",) if "[商品名稱]" in text or not text else ())
    rows = (
        Order.objects.filter(pk__in=list(order_pks))
        .order_by("shop_id", "created_on_shopee", "id")
        .values_list(*fields)
    )
    orders = [PlanOrder(*row) for row in rows]
    shops = Shop.objects.in_bulk({order.shop_id for order in orders})
    for order in orders:
        order.shop = shops[order.shop_id]
    return orders


def batch_token(*, user, order_pks, text: str, combine: bool) -> str:
    """The idempotency token of a batch as previewed: the same person, orders, text and choice
    give the same token until that person sends a batch (then a deliberate resend is new)."""
    last = NoticeBatch.objects.filter(created_by=user).order_by("-id").values_list("pk", flat=True).first()
    seed = json.dumps([user.pk, last, sorted(int(pk) for pk in order_pks), text, bool(combine)])
    return hashlib.sha256(seed.encode()).hexdigest()[:40]


def last_text_save(*, user, text: str) -> None:
    NoticeLastText.objects.update_or_create(user=user, defaults={"text": text})


def batch_send(*, user, token: str, text: str, combine: bool, order_pks) -> tuple[NoticeBatch, bool]:
    """Queue the batch's messages (one per buyer, or per order) and record every order's fate.
    Returns (batch, created): the same token a second time returns the first batch, sending nothing."""

    def send() -> NoticeBatch:
        plan = notice_plan(orders=plan_orders(order_pks, text=text), text=text, combine=combine)
        batch = NoticeBatch.objects.create(
            token=token,
            created_by=user,
            text=text,
            combine=combine,
            order_count=plan.order_count,
            message_count=len(plan.messages),
        )
        drafts = [
            Draft(
                shop=m.shop,
                buyer_id=m.buyer_id,
                text=m.text,
                order_sn=m.orders[0].order_sn,  # the order attached, as Shopee wants for a first message
                idempotency_key=f"batch:{token}:{m.shop.pk}:{m.buyer_id}:{m.orders[0].pk}",
            )
            for m in plan.messages
        ]
        rows = outbox_queue_many(drafts=drafts, origin=OutgoingMessage.Origin.BATCH_NOTICE, queued_by=user)
        _link_orders(batch, plan, [rows[draft.idempotency_key] for draft in drafts])
        by_shop = defaultdict(list)
        for draft in drafts:
            by_shop[draft.shop.pk].append(_Queued(rows[draft.idempotency_key], draft.order_sn))
        for shop_pk, messages in by_shop.items():
            audit_batch_queued(actor=user, shop=plan.per_shop[shop_pk].shop, messages=messages)
        last_text_save(user=user, text=text)
        return batch

    # The same form at the same moment in another request: its batch stands.
    return create_once(NoticeBatch.objects.filter(token=token), send)


class _Queued(NamedTuple):
    """What the audit records of a queued message: its id and order number, never its text."""

    pk: int
    order_sn: str


def _link_orders(batch: NoticeBatch, plan: Plan, message_pks: list[int]) -> None:
    """Every order of the batch: the message carrying its notice, or why it gets none. One
    INSERT … SELECT FROM unnest(arrays) on PostgreSQL, bulk_create elsewhere."""
    links = [
        (order.pk, pk, "") for m, pk in zip(plan.messages, message_pks, strict=True) for order in m.orders
    ]
    links += [(order.pk, None, reason[:300]) for order, reason in plan.skipped]
    if connection.vendor != "postgresql":
        NoticeBatchOrder.objects.bulk_create(
            (NoticeBatchOrder(batch=batch, order_id=o, message_id=m, skip_reason=r) for o, m, r in links),
            batch_size=1000,
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO notifications_noticebatchorder (batch_id, order_id, message_id, skip_reason)
            SELECT %s, o, m, r FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[]) AS u(o, m, r)
            """,
            [batch.pk, [o for o, _m, _r in links], [m for _o, m, _r in links], [r for _o, _m, r in links]],
        )


def batch_retry_failed(*, batch: NoticeBatch, user):
    """[重新傳送失敗] for the batch: its failed messages go again (held if the shop is not verified)."""
    message_pks = NoticeBatchOrder.objects.filter(batch=batch, message__isnull=False).values("message_id")
    return outbox_retry_failed(messages=OutgoingMessage.objects.filter(pk__in=message_pks), user=user)


# -- 自動出貨通知 -------------------------------------------------------------------------------


def shop_notice_settings(shop: Shop) -> NoticeShopSettings:
    found = NoticeShopSettings.objects.filter(shop=shop).first()
    return found or NoticeShopSettings(shop=shop)


def shop_notice_settings_save(*, shop: Shop, enabled: bool, text: str, review: bool) -> None:
    """The shop's switch 轉出貨自動發出貨通知, its text (checked) and its review mode."""
    if enabled or text:
        template_check(text)
    with transaction.atomic():
        Shop.objects.filter(pk=shop.pk).update(auto_notice_enabled=enabled, auto_notice_template=text)
        shop.auto_notice_enabled, shop.auto_notice_template = enabled, text
        NoticeShopSettings.objects.update_or_create(shop=shop, defaults={"review_auto": review})


def auto_notice_converted(*, order: Order, book_order=None, user=None) -> AutoNotice | None:
    """The order was converted to a shipment: its shop's automatic notice, once per order.
    Nothing when the shop's switch is off. Held for review in review mode."""
    shop = Shop.objects.get(pk=order.shop_id)
    if not shop.auto_notice_enabled:
        return None
    order.shop = shop
    if book_order is not None and not order.tracking_number:
        order.tracking_number = (
            book_order.tracking_number
        )  # the book's number, before Shopee's pull brings it
    review = NoticeShopSettings.objects.filter(shop=shop, review_auto=True).exists()
    text = shop.auto_notice_template
    with transaction.atomic():
        notice, created = AutoNotice.objects.select_for_update().get_or_create(
            order=order, defaults={"shop": shop, "state": AutoNotice.State.REVIEW, "converted_by": user}
        )
        if not created:
            return notice  # converted before: its notice exists already
        reason = _refusal(text, order)
        if reason:
            notice.state, notice.reason = AutoNotice.State.REFUSED, reason
        else:
            notice.text = render_combined(text, [order])
            if not review:
                notice.message = _queue_auto(notice, order, user)
                notice.state = AutoNotice.State.QUEUED
        notice.save()
    return notice


def _refusal(text: str, order: Order) -> str:
    try:
        template_check(text)
    except OutboxRefused:
        return skips.TEXT_REFUSED
    return _skip(order, lambda order: missing_values(text, order))


def _skip(order, missing_of) -> str:
    """Why the order gets no notice, as a stored code (notifications.skips); "" when it gets one."""
    if not order.buyer_user_id:
        return skips.BUYER_HIDDEN
    missing = missing_of(order)
    return skips.skip_reason(skips.MISSING_VALUES, *missing) if missing else ""


def _queue_auto(notice: AutoNotice, order: Order, user) -> OutgoingMessage:
    return outbox_queue(
        shop=notice.shop,
        buyer_id=order.buyer_user_id,
        text=notice.text,
        origin=OutgoingMessage.Origin.AUTO_NOTICE,
        queued_by=user,
        order_sn=order.order_sn,
        idempotency_key=f"auto:{order.pk}",
    )


def auto_notices_approve(*, shops, user) -> int:
    """Bulk approval of the automatic notices waiting for review in `shops`: each goes once."""
    with transaction.atomic():
        waiting = list(
            AutoNotice.objects.select_for_update()
            .filter(shop__in=shops, state=AutoNotice.State.REVIEW)
            .select_related("shop", "order")
            .order_by("id")
        )
        drafts = [
            Draft(
                shop=n.shop,
                buyer_id=n.order.buyer_user_id,
                text=n.text,
                order_sn=n.order.order_sn,
                idempotency_key=f"auto:{n.order_id}",
            )
            for n in waiting
        ]
        rows = outbox_queue_many(drafts=drafts, origin=OutgoingMessage.Origin.AUTO_NOTICE, queued_by=user)
        for notice, draft in zip(waiting, drafts, strict=True):
            notice.message_id, notice.state, notice.approved_by = (
                rows[draft.idempotency_key],
                AutoNotice.State.QUEUED,
                user,
            )
        AutoNotice.objects.bulk_update(waiting, ["message_id", "state", "approved_by"])
    return len(waiting)


def notice_template_save(*, user, name: str, text: str, shop=None):
    """A named template (shared when `shop` is None); the same name and shop is overwritten."""
    template_check(text)
    template, _new = NoticeTemplate.objects.update_or_create(
        name=name, shop=shop, defaults={"text": text, "created_by": user}
    )
    return template


def notice_template_update(*, template: NoticeTemplate, name: str, text: str, shop=None) -> NoticeTemplate:
    """Rename, re-word or re-scope a template: its text is checked as on creation; a name taken by
    another template of the same shop (or of every shop) is refused."""
    template_check(text)
    taken = NoticeTemplate.objects.filter(name=name, shop=shop).exclude(pk=template.pk).exists()
    if taken:
        raise OutboxRefused(_("Another template is named %(name)s already."), params={"name": name})
    template.name, template.text, template.shop = name, text, shop
    template.save(update_fields=["name", "text", "shop"])
    return template


def notice_template_delete(*, template: NoticeTemplate) -> None:
    """The template is no longer offered; texts already sent or remembered are not touched."""
    template.delete()
