"""`/metrics` for Prometheus, and the counters behind it.

Everything is read at scrape time from what every process shares, so one scrape of any web
process tells the truth for all web, worker and beat processes on all machines:

- the outbox's queue depth by state and delivery latency come from the database;
- sync lag per shop from the shops' last sync times;
- push signature failures and Shopee errors by type are counters in the cache (Redis in
  production), bumped by whichever process saw them.

The endpoint answers 404 while METRICS_TOKEN is unset and 403 without `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeHistogramMetricFamily, GaugeMetricFamily

from outbox.models import OutgoingMessage
from telemetry.counters import SHOPEE_ERROR_TYPES, counter_value

# Delivery latency (queued → sent), seconds; the histogram covers messages sent in the last hour.
LATENCY_BUCKETS = (1, 2, 5, 10, 30, 60, 300, 900, 3600)
LATENCY_WINDOW = timedelta(hours=1)


# -- the scrape -----------------------------------------------------------------------------


class TmsChatCollector:
    def collect(self):
        yield self._queue_depth()
        yield self._latency()
        yield self._sync_lag()
        failures = CounterMetricFamily(
            "tmschat_push_signature_failures", "Pushes refused for a bad or missing signature"
        )
        failures.add_metric([], counter_value("push_signature_failures"))
        yield failures
        errors = CounterMetricFamily(
            "tmschat_shopee_errors", "Errors Shopee calls raised, by type", labels=["type"]
        )
        for name in SHOPEE_ERROR_TYPES:
            errors.add_metric([name], counter_value("shopee_errors", name))
        yield errors

    def _queue_depth(self):
        counts = dict.fromkeys(OutgoingMessage.State.values, 0)
        for row in OutgoingMessage.objects.order_by().values("state").annotate(n=Count("pk")):
            counts[row["state"]] = row["n"]
        depth = GaugeMetricFamily("tmschat_outbox_messages", "Outgoing messages by state", labels=["state"])
        for state, n in counts.items():
            depth.add_metric([state], n)
        return depth

    def _latency(self):
        latency = ExpressionWrapper(F("sent_at") - F("created_at"), output_field=DurationField())
        sent = OutgoingMessage.objects.filter(
            state=OutgoingMessage.State.SENT, sent_at__gte=timezone.now() - LATENCY_WINDOW
        ).annotate(latency=latency)
        figures = sent.aggregate(
            total=Count("pk"),
            sum=Sum("latency"),
            **{f"le_{b}": Count("pk", filter=Q(latency__lte=timedelta(seconds=b))) for b in LATENCY_BUCKETS},
        )
        buckets = [(str(float(b)), figures[f"le_{b}"]) for b in LATENCY_BUCKETS] + [
            ("+Inf", figures["total"])
        ]
        return GaugeHistogramMetricFamily(
            "tmschat_outbox_delivery_latency_seconds",
            "Queued-to-sent time of the messages sent in the last hour",
            buckets=buckets,
            gsum_value=figures["sum"].total_seconds() if figures["sum"] else 0.0,
        )

    def _sync_lag(self):
        from accounts.models import Shop, ShopSync

        now = timezone.now()
        lag = GaugeMetricFamily(
            "tmschat_sync_lag_seconds",
            "Seconds since a verified shop's chats or orders were last pulled",
            labels=["shop_id", "kind"],
        )
        # Chat is pulled while the shop's chat transport may be used (a TW shop: its chat login),
        # orders while its Shopee API authorization is in force.
        shops = Shop.objects.filter(Q(state__in=Shop.AUTHORIZED_STATES) | Shop.chat_ready_q())
        for shop in shops.prefetch_related("syncs"):
            pulled = {sync.kind: sync.last_success_at for sync in shop.syncs.all()}
            verified = {ShopSync.Kind.CHAT: shop.chat_verified_at, ShopSync.Kind.ORDERS: shop.verified_at}
            pulling = {ShopSync.Kind.CHAT: shop.can_send, ShopSync.Kind.ORDERS: shop.api_authorized}
            for kind in ShopSync.Kind.values:
                if not pulling[kind]:
                    continue
                since = pulled.get(kind) or verified[kind] or shop.verified_at or now  # never pulled
                lag.add_metric([shop.shop_id or "", kind], max(0.0, (now - since).total_seconds()))
        return lag


@login_not_required
@require_GET
def metrics_view(request):
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode("utf-8", "replace"), token.encode()):
        return HttpResponseForbidden()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(TmsChatCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
