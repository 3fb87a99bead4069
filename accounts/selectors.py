"""Reads for pages and permission checks: which shops a staff member may see and act on."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Shop, ShopSync


def sees_all_shops(user) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm("accounts.view_all_shops")))


def staff_seeing_every_shop() -> set[int]:
    """The ids of the people `shops_visible_to` gives every shop: active staff who are superusers
    or hold accounts.view_all_shops (themselves or through a group)."""
    held = {"codename": "view_all_shops", "content_type__app_label": "accounts"}
    permission = Q(**{f"user_permissions__{k}": v for k, v in held.items()}) | Q(
        **{f"groups__permissions__{k}": v for k, v in held.items()}
    )
    return set(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | permission)
        .values_list("pk", flat=True)
    )


def shops_visible_to(user) -> QuerySet[Shop]:
    """The salesperson's own shops; every shop with accounts.view_all_shops (or superuser)."""
    shops = Shop.objects.select_related("salesperson").order_by("id")
    if not (user.is_authenticated and user.is_staff and user.is_active):
        return shops.none()
    if sees_all_shops(user):
        return shops
    return shops.filter(salesperson=user)


def with_syncs(shops: QuerySet[Shop]) -> QuerySet[Shop]:
    """`shops` with their sync states (ShopSync) in one more query, however many shops."""
    return shops.prefetch_related("syncs")


def shop_for(user, pk: int | str) -> Shop:
    """The shop if `user` may see it; 404 otherwise, so other staff cannot probe which ids exist."""
    return get_object_or_404(shops_visible_to(user), pk=pk)


def shops_with_tokens_due(*, within: timedelta) -> list[int]:
    """Verified shops whose access token ends within `within` (or has no known end)."""
    horizon = timezone.now() + within
    return list(
        Shop.objects.filter(state__in=Shop.AUTHORIZED_STATES)
        .exclude(refresh_token="")
        .filter(Q(access_token_expires_at__lt=horizon) | Q(access_token_expires_at__isnull=True))
        .values_list("pk", flat=True)
    )


def authorized_shop_pks() -> list[int]:
    """The shops Shopee currently lets us act for: the ones the beat syncs."""
    return list(
        Shop.objects.filter(state__in=Shop.AUTHORIZED_STATES, shop_id__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def sync_status(user) -> list[tuple[Shop, ShopSync.Kind, ShopSync | None]]:
    """The status page's sync table: every visible shop's pulls, chat and orders alike."""
    return [
        (shop, kind, found.get(kind))
        for shop in with_syncs(shops_visible_to(user))
        for found in [{sync.kind: sync for sync in shop.syncs.all()}]
        for kind in ShopSync.Kind
    ]


def chat_ready_shop_pks() -> list[int]:
    """The shops whose chat transport may be used (Shop.can_send): the ones the chat pull runs for."""
    return list(
        Shop.objects.filter(Shop.chat_ready_q(), shop_id__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
