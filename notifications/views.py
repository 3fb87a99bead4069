"""Notice pages: 批次通知 (compose with preview → confirm → 執行結果), past batches, automatic
notices waiting for review, and a shop's automatic notice settings."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import shop_for, shops_visible_to
from notifications import selectors, services
from notifications.forms import ComposeForm, ShopNoticeForm, TemplateEditForm, TemplateForm
from notifications.models import NoticeBatch
from orders.selection import selected_orders, selection_take
from web.params import bad_parameter, row_id

PREVIEW_MESSAGES = 5
POLL_SECONDS = 2


@require_http_methods(["GET", "POST"])
def compose(request):
    """The batch's text for the order table's selection; [預覽] shows exactly what goes out."""
    user = request.user
    templates = selectors.templates_for(user)
    shops = shops_visible_to(user)
    if request.method == "GET":
        text = selectors.last_text(user)
        if "template" in request.GET:
            if (template_pk := row_id(request.GET["template"])) is None:
                return bad_parameter("template")
            text = get_object_or_404(templates, pk=template_pk).text
        form = ComposeForm(initial={"token": secrets.token_hex(16), "text": text, "combine": True})
        return _compose_page(request, form, None, templates, shops)
    form = ComposeForm(request.POST)
    action = request.POST.get("action", "preview")
    if not form.is_valid():
        return _compose_page(request, form, None, templates, shops)
    data = form.cleaned_data
    if action == "save_template":
        template_form = TemplateForm(request.POST, shops=shops)
        if template_form.is_valid():
            services.notice_template_save(user=user, **template_form.cleaned_data)
            messages.success(request, _("Template saved."))
        else:
            for errors in template_form.errors.values():
                messages.error(request, " ".join(errors))
        return _compose_page(request, form, None, templates, shops)
    pks = selection_take(user=user)  # held: the confirm takes the orders the preview showed
    if not pks:
        messages.error(request, _("No orders are selected: select them in the order table first."))
        return redirect(reverse("orders:list"))
    if action == "confirm":
        batch, created = services.batch_send(
            user=user, token=data["token"], text=data["text"], combine=data["combine"], order_pks=pks
        )
        if not created:
            messages.info(request, _("This batch was sent already: here is what became of it."))
        return redirect(reverse("notifications:result", args=[batch.pk]))
    plan = services.notice_plan(
        orders=services.plan_orders(pks, text=data["text"]), text=data["text"], combine=data["combine"]
    )
    services.last_text_save(user=user, text=data["text"])
    # The confirm button carries the token of this batch: two tabs previewing the same text for the
    # same selection confirm one batch, and a reload or back button finds the batch already sent.
    form.data = form.data.copy()
    form.data["token"] = services.batch_token(
        user=user, order_pks=pks, text=data["text"], combine=data["combine"]
    )
    return _compose_page(request, form, plan, templates, shops, selected_count=len(pks))


def _compose_page(request, form, plan, templates, shops, *, selected_count: int | None = None):
    context = {
        "form": form,
        "plan": plan,
        "preview": plan.messages[:PREVIEW_MESSAGES] if plan else [],
        "templates": templates,
        "template_form": TemplateForm(shops=shops, auto_id="tpl_%s"),
        "selected_count": selected_orders(user=request.user).count()
        if selected_count is None
        else selected_count,
        "batch_sent": NoticeBatch.objects.filter(token=form["token"].value() or "").exists(),
        "sellercentre_every": f"{1 / settings.SELLERCENTRE_SEND_RATE_PER_SECOND:g}",
        "sellercentre_cap": settings.SELLERCENTRE_DAILY_CAP,
    }
    return render(request, "notifications/compose.html", context)


@require_GET
def batch_list(request):
    batches = selectors.batches_for(request.user)[:100]
    return render(request, "notifications/batches.html", {"batches": batches})


def _result_context(request, pk):
    batch = selectors.batch_for(request.user, pk)
    counts = selectors.batch_counts(batch, request.user)
    state = request.GET.get("state", "")
    state = state if state in selectors.STATE_LABELS else ""
    page = selectors.batch_results(batch, request.user, state=state, page=request.GET.get("page", 1))
    query = {"state": state} if state else {}
    return {
        "batch": batch,
        "rows": page.object_list,
        "page": page,
        "state": state,
        "query": urlencode(query),
        "poll_query": urlencode({**query, "page": page.number}),
        "counts": [(key, label, counts[key]) for key, label in selectors.STATE_LABELS.items()],
        "total": sum(counts.values()),
        "failed": counts[selectors.FAILED],
        "settled": selectors.settled(counts),
        "poll_seconds": POLL_SECONDS,
    }


@require_GET
def result(request, pk: int):
    """執行結果: every order of the batch and what became of it, refreshing until all settle."""
    return render(request, "notifications/result.html", _result_context(request, pk))


@require_GET
def result_rows(request, pk: int):
    """The page's poll: the counts and the visible page of rows only; no poll once all settle."""
    return render(request, "notifications/_result.html", _result_context(request, pk))


@require_POST
def retry_failed(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    retried = services.batch_retry_failed(batch=batch, user=request.user)
    if retried.queued or retried.held:
        messages.success(
            request,
            ngettext(
                "%(count)d failed message is queued again.",
                "%(count)d failed messages are queued again.",
                retried.queued + retried.held,
            )
            % {"count": retried.queued + retried.held},
        )
    else:
        messages.info(request, _("No failed messages to retry."))
    return redirect(reverse("notifications:result", args=[batch.pk]))


@require_GET
def template_list(request):
    """The saved templates a person may pick, each with [編輯] and [刪除]."""
    return render(
        request, "notifications/templates.html", {"templates": selectors.templates_for(request.user)}
    )


@require_http_methods(["GET", "POST"])
def template_edit(request, pk: int):
    """Rename a template, change its text (placeholders checked as on creation) or its shop."""
    template = selectors.template_for(request.user, pk)
    shops = shops_visible_to(request.user)
    if request.method == "POST":
        form = TemplateEditForm(request.POST, shops=shops)
        if form.is_valid():
            try:
                services.notice_template_update(template=template, **form.cleaned_data)
            except services.OutboxRefused as exc:
                form.add_error("name", exc.reason)
            else:
                messages.success(request, _("Template saved."))
                return redirect(reverse("notifications:templates"))
    else:
        form = TemplateEditForm(
            shops=shops, initial={"name": template.name, "shop": template.shop_id, "text": template.text}
        )
    return render(request, "notifications/template_edit.html", {"template": template, "form": form})


@require_http_methods(["GET", "POST"])
def template_delete(request, pk: int):
    """Delete a template, after a page asking to confirm."""
    template = selectors.template_for(request.user, pk)
    if request.method == "POST":
        services.notice_template_delete(template=template)
        messages.success(request, _("Template %(name)s deleted.") % {"name": template.name})
        return redirect(reverse("notifications:templates"))
    return render(request, "notifications/template_delete.html", {"template": template})


@require_http_methods(["GET", "POST"])
def auto_review(request):
    """Automatic notices held for review: approved in bulk, per shop or all at once."""
    if request.method == "POST":
        shops = shops_visible_to(request.user)
        if request.POST.get("shop"):
            if (shop_pk := row_id(request.POST["shop"])) is None:
                return bad_parameter("shop")
            shops = shops.filter(pk=shop_pk)
        approved = services.auto_notices_approve(shops=shops, user=request.user)
        messages.success(
            request,
            ngettext("%(count)d notice approved.", "%(count)d notices approved.", approved)
            % {"count": approved},
        )
        return redirect(reverse("notifications:auto"))
    context = {
        "waiting": selectors.auto_notices_waiting(request.user),
        "recent": selectors.auto_notices_recent(request.user),
    }
    return render(request, "notifications/auto.html", context)


@require_http_methods(["GET", "POST"])
def shop_settings(request, shop_pk: int):
    """The shop's 轉出貨自動發出貨通知: switch, text (checked), review mode."""
    shop = shop_for(request.user, shop_pk)
    current = services.shop_notice_settings(shop)
    if request.method == "POST":
        form = ShopNoticeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            services.shop_notice_settings_save(
                shop=shop, enabled=data["enabled"], text=data["text"], review=data["review"]
            )
            messages.success(request, _("Shipping notice settings saved."))
            return redirect(reverse("notifications:shop_settings", args=[shop.pk]))
    else:
        form = ShopNoticeForm(
            initial={
                "enabled": shop.auto_notice_enabled,
                "text": shop.auto_notice_template,
                "review": current.review_auto,
            }
        )
    return render(request, "notifications/shop.html", {"shop": shop, "form": form})
