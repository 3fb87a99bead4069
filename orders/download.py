"""The on-demand order download (蝦皮訂單API匯出, F6): a job per shop that survives the page.

`download_start` makes (or joins) one `OrderDownload` per shop: staff asking for the same shop,
created-date range, scope and "only not imported" while one is active share it. A Celery task on
the `sync` queue runs `download_run`:

1. claim the job under a row lock with a lease (`attempts` is the fencing token: a worker whose
   job was taken over writes nothing more);
2. list the order numbers once (any range, split into Shopee's 15-day windows, cursors followed)
   and keep them on the job; with "only not imported" the imported ones are dropped here;
3. read details 50 at a time from `done` on, upsert them through `orders.services.orders_store`
   (the one way an order is written, shared with the scheduled sync: ON CONFLICT upserts, so both
   running at once is harmless) and move `done` and the counts in the same transaction;
4. stop at the next batch when cancelled; end with new / updated / unchanged / failed (reasons).

The database is the truth, the broker a hint: `downloads_sweep` (beat) hands a job whose lease ran
out — its worker was killed — to another worker, which carries on from `done`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from datetime import time as day_time

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Shop
from accounts.services import shop_auth_failed
from accounts.tokens import shop_api
from db.once import create_once
from orders.imported import imported_q
from orders.models import Order, OrderDownload
from orders.scopes import Scope
from orders.services import orders_store
from orders.signals import orders_synced, send_on_commit
from shopee.errors import AuthError, BadRequest, RateLimited, ShopeeError

log = logging.getLogger(__name__)

State = OrderDownload.State
BATCH = 50  # get_order_detail takes at most 50 order numbers
BATCH_TRIES = 3  # a batch that fails transiently this often is recorded as failed and skipped
MAX_FAILURES_KEPT = 200


# A failure's reason when Shopee returned no details for an order (orders.templatetags.order_words).
NOT_FOUND = "not_found"


def lease_seconds() -> int:
    return int(getattr(settings, "ORDER_DOWNLOAD_LEASE_SECONDS", 120))


def download_key(
    *, shop: Shop, created_from: date, created_to: date, scope: str, only_not_imported: bool
) -> str:
    return f"{shop.pk}:{created_from.isoformat()}:{created_to.isoformat()}:{scope}:{int(only_not_imported)}"


def download_start(
    *,
    user,
    shops: Iterable[Shop],
    created_from: date,
    created_to: date,
    scope: str = Scope.ALL,
    only_not_imported: bool = False,
) -> list[OrderDownload]:
    """One running job per shop: a new one, or the one already running with the same request."""
    jobs = []
    for shop in shops:
        key = download_key(
            shop=shop,
            created_from=created_from,
            created_to=created_to,
            scope=scope,
            only_not_imported=only_not_imported,
        )

        def start(shop=shop, key=key) -> OrderDownload:
            job = OrderDownload.objects.create(
                key=key,
                shop=shop,
                requested_by=user,
                created_from=created_from,
                created_to=created_to,
                scope=scope,
                only_not_imported=only_not_imported,
            )
            _kick_on_commit(job.pk)
            return job

        # Another staff member's running job with the same request (started a moment ago too) is joined.
        running = OrderDownload.objects.filter(key=key, state__in=OrderDownload.ACTIVE_STATES)
        jobs.append(create_once(running, start)[0])
    return jobs


def download_cancel(*, job: OrderDownload) -> OrderDownload:
    """Ask the job to stop; a queued job that no worker holds stops at once."""
    with transaction.atomic():
        job = OrderDownload.objects.select_for_update().get(pk=job.pk)
        if job.active:
            job.cancel_requested = True
            fields = ["cancel_requested"]
            if job.state == State.QUEUED and not _leased(job):
                job.state, job.finished_at = State.CANCELLED, timezone.now()
                fields += ["state", "finished_at"]
            job.save(update_fields=fields)
    return job


def downloads_sweep() -> int:
    """Re-kick active jobs nobody holds: a lost broker message or a killed worker."""
    now = timezone.now()
    stale = OrderDownload.objects.filter(state__in=OrderDownload.ACTIVE_STATES).filter(
        lease_until__lt=now
    ) | OrderDownload.objects.filter(
        state=State.QUEUED, lease_until__isnull=True, created_at__lt=now - timedelta(seconds=lease_seconds())
    )
    pks = list(stale.values_list("pk", flat=True))
    for pk in pks:
        _kick(pk)
    return len(pks)


class _TakenOver(Exception):
    """Another worker holds the job now: this one stops without writing."""


def download_run(*, job_pk: int) -> OrderDownload | None:
    """Run (or carry on with) the job; returns it, or None when it is not ours to run."""
    job = _claim(job_pk)
    if job is None:
        return None
    token = job.attempts
    try:
        api = shop_api(job.shop)
        if not job.listed:
            _list(job, api, token)
        while job.done < job.total:
            if _cancelled(job, token):
                return job
            _store_batch(job, api, token)
        _finish(job, token, State.DONE)
        send_on_commit(orders_synced, sender=Order, shop_pk=job.shop_id)
    except _TakenOver:
        return None
    except AuthError as exc:
        shop_auth_failed(shop=job.shop, reason=str(exc))
        _finish(job, token, State.FAILED, error=str(exc))
    except ShopeeError as exc:  # listing failed after the client's own handling
        _finish(job, token, State.FAILED, error=str(exc))
    return job


def _claim(job_pk: int) -> OrderDownload | None:
    with transaction.atomic():
        job = OrderDownload.objects.select_for_update().select_related("shop").filter(pk=job_pk).first()
        if job is None or not job.active or _leased(job):
            return None
        if job.cancel_requested:
            job.state, job.finished_at, job.lease_until = State.CANCELLED, timezone.now(), None
            job.save(update_fields=["state", "finished_at", "lease_until"])
            return None
        job.state = State.RUNNING
        job.attempts += 1
        job.lease_until = timezone.now() + timedelta(seconds=lease_seconds())
        job.save(update_fields=["state", "attempts", "lease_until"])
    return job


def _leased(job: OrderDownload) -> bool:
    return job.lease_until is not None and job.lease_until > timezone.now()


def _list(job: OrderDownload, api, token: int) -> None:
    time_from, time_to = _taipei_range(job.created_from, job.created_to)
    order_sns = list(api.iter_order_sns(time_from=time_from, time_to=time_to, time_range_field="create_time"))
    skipped = 0
    if job.only_not_imported:
        imported = set(
            Order.objects.filter(imported_q(), shop=job.shop, order_sn__in=order_sns).values_list(
                "order_sn", flat=True
            )
        )
        skipped = len(imported)
        order_sns = [sn for sn in order_sns if sn not in imported]
    _update(job, token, listed=True, order_sns=order_sns, total=len(order_sns), skipped=skipped, done=0)
    job.listed, job.order_sns, job.total, job.skipped, job.done = True, order_sns, len(order_sns), skipped, 0


def _store_batch(job: OrderDownload, api, token: int) -> None:
    batch = job.order_sns[job.done : job.done + BATCH]
    failures: list[dict[str, str]] = []
    outcomes: dict[str, str] = {}
    for attempt in range(1, BATCH_TRIES + 1):
        try:
            with transaction.atomic():
                details = api.get_order_details(batch)
                outcomes = orders_store(shop=job.shop, details=details, api=api)
                missing = [sn for sn in batch if sn not in outcomes]
                failures = [{"order_sn": sn, "reason": NOT_FOUND} for sn in missing]
                _record(job, token, batch, outcomes, failures)
            return
        except AuthError:
            raise
        except BadRequest as exc:
            failures = [{"order_sn": sn, "reason": str(exc)} for sn in batch]
            break
        except (RateLimited, ShopeeError) as exc:
            if attempt == BATCH_TRIES:
                failures = [{"order_sn": sn, "reason": str(exc)} for sn in batch]
                break
            time.sleep(exc.retry_after if isinstance(exc, RateLimited) else attempt)
    with transaction.atomic():
        _record(job, token, batch, {}, failures)


def _record(job, token: int, batch: list[str], outcomes: dict[str, str], failures: list[dict]) -> None:
    """Move progress and counts with the batch's orders (inside the caller's transaction)."""
    counts = {
        name: sum(1 for o in outcomes.values() if o == name) for name in ("new", "updated", "unchanged")
    }
    kept = (job.failures + failures)[:MAX_FAILURES_KEPT]
    _update(
        job,
        token,
        done=F("done") + len(batch),
        current_order_sn=batch[-1],
        failures=kept,
        lease_until=timezone.now() + timedelta(seconds=lease_seconds()),
        **{name: F(name) + count for name, count in counts.items()},
    )
    job.done += len(batch)
    job.current_order_sn = batch[-1]
    job.failures = kept
    for name, count in counts.items():
        setattr(job, name, getattr(job, name) + count)


def _update(job: OrderDownload, token: int, **fields) -> None:
    """Write to the job only while this worker still holds it."""
    if not OrderDownload.objects.filter(pk=job.pk, attempts=token, state=State.RUNNING).update(**fields):
        raise _TakenOver


def _cancelled(job: OrderDownload, token: int) -> bool:
    if not OrderDownload.objects.filter(pk=job.pk, cancel_requested=True).exists():
        return False
    _finish(job, token, State.CANCELLED)
    return True


def _finish(job: OrderDownload, token: int, state: str, error: str = "") -> None:
    now = timezone.now()
    OrderDownload.objects.filter(pk=job.pk, attempts=token).update(
        state=state, error=error[:500], finished_at=now, lease_until=None
    )
    job.state, job.error, job.finished_at, job.lease_until = state, error[:500], now, None


def _taipei_range(created_from: date, created_to: date) -> tuple[int, int]:
    """Whole days in the product's time zone (Asia/Taipei), as Shopee's unix seconds."""
    start = timezone.make_aware(datetime.combine(created_from, day_time.min))
    end = timezone.make_aware(datetime.combine(created_to + timedelta(days=1), day_time.min))
    return int(start.timestamp()), int(end.timestamp()) - 1


def _kick_on_commit(job_pk: int) -> None:
    transaction.on_commit(lambda: _kick(job_pk))


def _kick(job_pk: int) -> None:
    from orders.tasks import order_download_run

    order_download_run.delay(job_pk)


class OrderNotFound(Exception):
    """No shop of the list has an order with this number on Shopee."""


def order_fetch_one(*, shops: Iterable[Shop], order_sn: str) -> Order:
    """匯入[訂單編號]: read one order by its number from the first of `shops` that has it and
    store it. Raises OrderNotFound when none has it; a Shopee failure other than "not found"
    is raised as it is (the caller says to try again)."""
    order_sn = order_sn.strip().upper()
    for shop in shops:
        if shop.state not in Shop.AUTHORIZED_STATES or not shop.shop_id:
            continue
        try:
            api = shop_api(shop)
            details = api.get_order_details([order_sn])
            if details:
                with transaction.atomic():
                    orders_store(shop=shop, details=details, api=api)
                return Order.objects.select_related("shop").get(shop=shop, order_sn=order_sn)
        except BadRequest:
            continue  # Shopee: "the order is not found" in this shop
        except AuthError as exc:
            shop_auth_failed(shop=shop, reason=str(exc))
            continue
    raise OrderNotFound(order_sn)
