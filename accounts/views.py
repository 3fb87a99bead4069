"""Account browser (瀏覽資訊), shop form and the [聊聊登入認證] round trip to Shopee."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts import chatlogin, services
from accounts.authorization import StateRefused, verification_state_issue, verification_state_redeem
from accounts.chat_words import REASON_ANTI_BOT, REASON_INTERFACE_CHANGED, chat_reason_words
from accounts.client import shopee_client
from accounts.forms import ChatLoginForm, ShopForm
from accounts.selectors import shop_for, shops_visible_to, with_syncs
from accounts.shopee_words import shopee_error_said
from audit.services import audit_shop_changed
from shopee.errors import ShopeeError
from shopee.sellercentre import AntiBotRefused, InterfaceChanged, LinkNotTapped, LoginError


@require_GET
def shop_list(request):
    shops = with_syncs(shops_visible_to(request.user))
    return render(request, "accounts/shop_list.html", {"shops": shops})


@require_http_methods(["GET", "POST"])
def shop_create(request):
    form = ShopForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            shop = services.shop_create(**form.cleaned_data)
            audit_shop_changed(actor=request.user, shop=shop, fields=form.changed_data, added=True)
        messages.success(request, _("Shop %(shop)s added. Verify it with Shopee next.") % {"shop": shop.name})
        return redirect("accounts:edit", pk=shop.pk)
    return render(request, "accounts/shop_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def shop_edit(request, pk: int):
    shop = shop_for(request.user, pk)
    form = ShopForm(request.POST or None, instance=shop, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            services.shop_update(shop=shop, **form.cleaned_data)
            if form.changed_data:
                audit_shop_changed(actor=request.user, shop=shop, fields=form.changed_data)
        messages.success(request, _("Saved."))
        return redirect("accounts:list")
    return render(request, "accounts/shop_form.html", {"form": form, "shop": shop})


@require_POST
@sensitive_variables()  # frames below hold the partner key, the code and the new tokens
def shop_verify_start(request, pk: int):
    """[聊聊登入認證]: off to Shopee's authorization page, where the seller signs in."""
    shop = shop_for(request.user, pk)
    return _to_shopee(request, shop_pk=shop.pk)


@require_POST
@sensitive_variables()  # frames below hold the partner key, the code and the new tokens
def shop_add_start(request):
    """Add a new shop: the same authorization, and Shopee tells us which shop it is."""
    return _to_shopee(request, shop_pk=None)


def _to_shopee(request, *, shop_pk: int | None):
    state = verification_state_issue(request, shop_pk=shop_pk)
    callback = request.build_absolute_uri(reverse("accounts:verify_callback"))
    return redirect(shopee_client().authorization_url(callback, state=state))


@require_GET
@sensitive_variables()  # frames below hold the partner key, the code and the new tokens
def shop_verify_callback(request):
    """Shopee sends the seller back here with `code` and `shop_id` (or without, if denied)."""
    try:
        verification = verification_state_redeem(request, request.GET.get("state", ""))
    except StateRefused as exc:
        messages.error(request, str(exc))
        return redirect("accounts:list")
    shop = shop_for(request.user, verification.shop_pk) if verification.shop_pk else None
    code, shop_id = request.GET.get("code", ""), request.GET.get("shop_id", "")
    if not code or not (shop_id.isascii() and shop_id.isdigit() and len(shop_id) <= 20):
        messages.error(request, _("The authorization was not granted on Shopee; the shop is unchanged."))
        return redirect("accounts:list")
    try:
        shop = services.shop_verify(shop=shop, code=code, shop_id=shop_id, user=request.user)
    except services.VerificationRefused as exc:
        messages.error(request, _(str(exc)))
    except ShopeeError as exc:
        messages.error(
            request,
            _("Shopee did not confirm the login (%(error)s). Nothing was changed; please try again.")
            % {"error": shopee_error_said(str(exc))},
        )
    else:
        messages.success(request, _api_verified_words(shop))
    return redirect("accounts:list")


def _api_verified_words(shop) -> str:
    """What 蝦皮API授權 verified and what now works, unlike the chat login's words."""
    if shop.uses_seller_centre:
        return _(
            "%(shop)s: Shopee API authorization verified. Its orders, conversion to shipment and "
            "shipping documents now work; its chat goes through the chat login."
        ) % {"shop": shop.name}
    return _(
        "%(shop)s: Shopee API authorization verified. Its orders, conversion to shipment, shipping "
        "documents and chat now work."
    ) % {"shop": shop.name}


def _chat_verified_words(shop) -> str:
    return _(
        "%(shop)s: chat login verified on Seller Centre. Its buyers' chats now come into the inbox, "
        "and replies and notices are sent."
    ) % {"shop": shop.name}


# -- 聊聊登入認證: the Seller Centre login (shops on the Seller Centre chat transport) -------------


@require_http_methods(["GET", "POST"])
@sensitive_variables()  # the password and the session
def shop_chat_login(request, pk: int):
    """Step 1: login name and password; the server logs in and Shopee texts the link."""
    shop = shop_for(request.user, pk)
    initial = {"login_name": shop.chat_login_name or shop.account, "keep_password": shop.chat_keep_password}
    form = ChatLoginForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            shop = chatlogin.chat_login_start(
                shop=shop,
                login_name=data["login_name"],
                password=data["password"],
                keep_password=data["keep_password"],
                user=request.user,
            )
        except LOGIN_FAILURES as exc:
            messages.error(request, _login_failure_words(exc))
        except ShopeeError as exc:
            messages.error(request, _no_answer(exc))
        else:
            if not shop.chat_link_sent and shop.chat_state == shop.ChatState.VERIFIED:
                messages.success(request, _chat_verified_words(shop))
                return redirect("accounts:list")
        return redirect("accounts:chat_login", pk=shop.pk)
    return render(
        request,
        "accounts/chat_login.html",
        {"shop": shop, "form": form, "phone": chatlogin.chat_pending_phone(shop), **_link_poll(shop)},
    )


def _link_poll(shop) -> dict:
    """The chat login page's check for the tap: every SELLERCENTRE_LINK_POLL_SECONDS while the
    link may still be tapped."""
    left = chatlogin.chat_link_waiting_seconds(shop)
    return {
        "link_waiting": bool(left),
        "poll_ms": int(settings.SELLERCENTRE_LINK_POLL_SECONDS * 1000),
        "link_minutes": settings.SELLERCENTRE_LINK_SECONDS // 60,
    }


@require_POST
@sensitive_variables()
def shop_chat_login_poll(request, pk: int):
    """The page's own step 3 (htmx): once the seller tapped the link, confirm as the second
    click would. Not tapped yet: keep waiting, quietly (nothing is recorded; one link/get_status
    call, what Shopee's own page polls). Any other outcome: the page reloads with it."""
    shop = shop_for(request.user, pk)
    if shop.chat_link_sent and chatlogin.chat_link_waiting_seconds(shop):
        try:
            shop = chatlogin.chat_login_confirm(shop=shop, user=request.user, quiet=True)
        except LinkNotTapped:
            return _poll_again(request, shop)
        except LOGIN_FAILURES as exc:
            messages.error(request, _login_failure_words(exc))
            return HttpResponseClientRedirect(reverse("accounts:chat_login", args=[shop.pk]))
        except ShopeeError:  # no answer this time (network, rate limit): the next poll asks again
            return _poll_again(request, shop)
    elif shop.chat_link_sent:  # the link's time is up: stop asking
        return _poll_again(request, shop)
    if shop.chat_state == shop.ChatState.VERIFIED:
        messages.success(request, _chat_verified_words(shop))
        return HttpResponseClientRedirect(reverse("accounts:list"))
    return HttpResponseClientRedirect(reverse("accounts:chat_login", args=[shop.pk]))


def _poll_again(request, shop):
    return render(request, "accounts/_chat_link_poll.html", {"shop": shop, **_link_poll(shop)})


# A step of 聊聊登入認證 that failed for good (a person must act), as opposed to no answer.
LOGIN_FAILURES = (LoginError, AntiBotRefused, InterfaceChanged, chatlogin.ChatLoginRefused)


def _no_answer(exc: ShopeeError) -> str:
    return _("Shopee did not answer the login (%(error)s). Nothing was changed; please try again.") % {
        "error": shopee_error_said(str(exc))
    }


def _login_failure_words(exc: Exception) -> str:
    if isinstance(exc, LoginError):
        return chat_reason_words(exc.reason)
    if isinstance(exc, AntiBotRefused):
        return chat_reason_words(REASON_ANTI_BOT)
    if isinstance(exc, InterfaceChanged):
        return chat_reason_words(REASON_INTERFACE_CHANGED)
    return exc.said()


@require_POST
@sensitive_variables()
def shop_chat_login_confirm(request, pk: int):
    """Step 3: the seller tapped the link; the server confirms and opens the chat session."""
    shop = shop_for(request.user, pk)
    try:
        shop = chatlogin.chat_login_confirm(shop=shop, user=request.user)
    except LinkNotTapped as exc:
        messages.warning(request, chat_reason_words(exc.reason))
    except LOGIN_FAILURES as exc:
        messages.error(request, _login_failure_words(exc))
    except ShopeeError as exc:
        messages.error(request, _no_answer(exc))
    else:
        messages.success(request, _chat_verified_words(shop))
        return redirect("accounts:list")
    return redirect("accounts:chat_login", pk=shop.pk)


@require_POST
def shop_chat_password_forget(request, pk: int):
    shop = shop_for(request.user, pk)
    chatlogin.chat_password_forget(shop=shop)
    messages.success(
        request, _("The kept password was forgotten; a lapsed session now needs the verification again.")
    )
    return redirect("accounts:edit", pk=shop.pk)
