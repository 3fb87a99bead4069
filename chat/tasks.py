"""Celery tasks of the chat app: thin wrappers that load by id and call a service."""

from dataclasses import asdict

from celery import shared_task

from accounts.models import Shop
from accounts.selectors import chat_ready_shop_pks
from chat import push, sync, team
from chat.models import Conversation, PushReceipt
from shopee.errors import ShopeeError

SYNC_TIME_LIMIT = 300  # a run commits per conversation: one cut short is continued by the next


@shared_task(time_limit=60, soft_time_limit=50, expires=60)
def chat_sync_all() -> int:
    """Beat: one pull per verified shop, each its own task (one shop never delays another)."""
    shop_pks = chat_ready_shop_pks()
    for shop_pk in shop_pks:
        chat_sync_shop.delay(shop_pk)
    return len(shop_pks)


@shared_task(time_limit=SYNC_TIME_LIMIT, soft_time_limit=SYNC_TIME_LIMIT - 30, expires=300)
def chat_sync_shop(shop_pk: int, full: bool = False) -> dict | None:
    shop = Shop.objects.filter(pk=shop_pk).first()
    if shop is None:
        return None
    return asdict(sync.chat_sync_shop(shop=shop, full=full))


@shared_task(time_limit=60, soft_time_limit=50, expires=3600)
def chat_reconcile_all() -> int:
    """Beat: a full re-read of every verified shop's recent conversations; old receipts go."""
    push.push_receipts_purge()
    shop_pks = chat_ready_shop_pks()
    for shop_pk in shop_pks:
        chat_sync_shop.delay(shop_pk, full=True)
    return len(shop_pks)


@shared_task(time_limit=120, soft_time_limit=100, expires=300)
def lost_pushes_fetch() -> int:
    return push.lost_pushes_fetch()


@shared_task(time_limit=60, soft_time_limit=50)
def push_process(receipt_pk: int) -> None:
    receipt = PushReceipt.objects.filter(pk=receipt_pk).first()
    if receipt is not None:
        push.push_act(receipt=receipt)


@shared_task(bind=True, time_limit=60, soft_time_limit=50, max_retries=3)
def conversation_read_on_shopee(self, conversation_pk: int) -> None:
    conversation = Conversation.objects.select_related("shop").filter(pk=conversation_pk).first()
    if conversation is None:
        return
    try:
        sync.conversation_read_remote(conversation=conversation)
    except ShopeeError as exc:
        raise self.retry(exc=exc, countdown=30) from exc


@shared_task(time_limit=60, soft_time_limit=50, expires=60)
def conversations_wake() -> int:
    """Beat: conversations put off (稍後處理) until a time now passed are 待處理 again."""
    return team.conversations_wake()
