"""Celery tasks of the orders app: thin wrappers that load by id and call a service."""

from __future__ import annotations

from celery import shared_task

from accounts.models import Shop
from accounts.selectors import authorized_shop_pks
from orders import download, excel, services
from shopee.errors import AuthError, ShopeeError


@shared_task(time_limit=60, soft_time_limit=50, expires=600)
def orders_sync_all() -> int:
    """Beat: one order sync per verified shop, each its own task."""
    shop_pks = authorized_shop_pks()
    for shop_pk in shop_pks:
        orders_sync_shop.delay(shop_pk)
    return len(shop_pks)


@shared_task(time_limit=600, soft_time_limit=540, expires=600)
def orders_sync_shop(shop_pk: int) -> int | None:
    shop = Shop.objects.filter(pk=shop_pk, state__in=Shop.AUTHORIZED_STATES).first()
    if shop is None:
        return None
    try:
        return services.orders_sync_recent(shop=shop)
    except AuthError:
        return None  # the shop is flipped to unverified; nothing to retry
    except ShopeeError as exc:
        services.orders_sync_failed(shop=shop, error=exc)
        return None


@shared_task(bind=True, time_limit=120, soft_time_limit=100, max_retries=3)
def orders_refresh(self, shop_pk: int, order_sns: list[str]) -> int:
    """Re-read named orders (an order push arrived); transient failures retry shortly."""
    shop = Shop.objects.filter(pk=shop_pk, state__in=Shop.AUTHORIZED_STATES).first()
    if shop is None:
        return 0
    try:
        return services.orders_refresh(shop=shop, order_sns=order_sns)
    except AuthError:
        return 0
    except ShopeeError as exc:
        raise self.retry(exc=exc, countdown=30) from exc


# -- the on-demand download and large Excel exports (orders.download, orders.excel) --------------


@shared_task(time_limit=3600, soft_time_limit=3500)
def order_download_run(job_pk: int) -> str | None:
    """Run one shop's order download job; a second delivery of the same job does nothing."""
    job = download.download_run(job_pk=job_pk)
    return job.state if job else None


@shared_task(time_limit=60, soft_time_limit=50, expires=60)
def order_downloads_sweep() -> int:
    """Beat: hand jobs whose worker died (lease ran out) to a live worker."""
    return download.downloads_sweep()


@shared_task(time_limit=900, soft_time_limit=850)
def order_export_run(export_pk: int) -> str | None:
    export = excel.export_run(export_pk=export_pk)
    return export.state if export else None
