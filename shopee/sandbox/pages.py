"""The seller's side of authorization, as Shopee's pages play it (Traditional Chinese, no assets).

sign in with the shop account and password -> "a verification link was sent to your phone"
(a button stands in for tapping it) -> approve or deny the partner app -> 302 back to the
partner's redirect URL with `code` and `shop_id` (or `error=access_denied`).
"""

from __future__ import annotations

import html
import secrets
import time
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from shopee.sandbox.api import Answer, check_signature
from shopee.sandbox.core import ApiError, AuthSession, Core
from shopee.sandbox.shops import shop_authorize

LEGACY_PATH = "/api/v2/shop/auth_partner"
SESSION_SECONDS = 600

WRONG_PASSWORD = "帳號或密碼錯誤，請重新輸入。"
SUB_ACCOUNT = "子帳號無法登入授權頁面，請使用商店主帳號登入。"
SESSION_GONE = "授權連結已失效，請回到原系統重新開始授權。"


# -- entry points ------------------------------------------------------------------------------


def legacy_link(core: Core, query: dict[str, str]) -> Answer:
    """GET /api/v2/shop/auth_partner?partner_id&timestamp&sign&redirect: signed, good for 5 minutes."""
    try:
        check_signature(core, LEGACY_PATH, query, shop_level=False)
    except ApiError as exc:
        return _error_page(f"授權連結無效（{exc.code}: {exc.message}）", 400)
    if not query.get("redirect"):
        return _error_page("授權連結缺少 redirect 參數。", 400)
    return _start(core, query["redirect"], None)


def open_link(core: Core, query: dict[str, str]) -> Answer:
    """GET /auth?partner_id&auth_type=seller&redirect_uri&response_type=code[&state]: unsigned."""
    if query.get("partner_id") != str(core.config.partner_id):
        return _error_page("授權連結無效（partner_id 錯誤）。", 400)
    if query.get("auth_type") != "seller" or query.get("response_type") != "code":
        return _error_page("授權連結無效（需要 auth_type=seller 與 response_type=code）。", 400)
    if not query.get("redirect_uri"):
        return _error_page("授權連結缺少 redirect_uri 參數。", 400)
    return _start(core, query["redirect_uri"], query.get("state"))


def _start(core: Core, redirect_url: str, state: str | None) -> Answer:
    now = time.time()
    # Abandoned sign-ins would otherwise pile up for as long as the sandbox runs.
    for stale in [k for k, v in core.auth_sessions.items() if now - v.created > SESSION_SECONDS]:
        del core.auth_sessions[stale]
    session = AuthSession(secrets.token_urlsafe(16), redirect_url, state, now)
    core.auth_sessions[session.session_id] = session
    return _login_page(core, session)


def form_post(core: Core, path: str, form: dict[str, str]) -> Answer:
    """POST /auth/login, /auth/phone, /auth/decide."""
    session = core.auth_sessions.get(form.get("session", ""))
    step = path.rsplit("/", 1)[-1]
    if session is None or time.time() - session.created > SESSION_SECONDS:
        return _error_page(SESSION_GONE, 400)
    if step == "login" and session.step == "login":
        return _login(core, session, form)
    if step == "phone" and session.step == "phone":
        session.step = "consent"
        return _consent_page(core, session)
    if step == "decide" and session.step == "consent":
        del core.auth_sessions[session.session_id]
        return _decide(core, session, form.get("decision", ""))
    return _error_page(SESSION_GONE, 400)


def _login(core: Core, session: AuthSession, form: dict[str, str]) -> Answer:
    account = form.get("account", "").strip()
    if ":" in account:
        return _login_page(core, session, error=SUB_ACCOUNT, account=account)
    shop = core.world.shop_by_account(account)
    if shop is None or not secrets.compare_digest(shop.password, form.get("password", "")):
        return _login_page(core, session, error=WRONG_PASSWORD, account=account)
    session.shop_id = shop.shop_id
    session.step = "phone"
    return _phone_page(core, session)


def _decide(core: Core, session: AuthSession, decision: str) -> Answer:
    if decision == "approve":
        code = shop_authorize(core, session.shop_id)
        params = {"code": code, "shop_id": session.shop_id}
    else:
        params = {"error": "access_denied"}
    if session.state is not None:
        params["state"] = session.state
    return Answer(302, b"", "text/plain", headers={"Location": _with_query(session.redirect_url, params)})


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    extra = urlencode(params)
    joined = urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))
    # A Location header is ASCII: percent-encode a redirect URL with Chinese in it.
    return quote(joined, safe=":/?#[]@!$&'()*+,;=%")


# -- pages -------------------------------------------------------------------------------------


def _login_page(core: Core, session: AuthSession, *, error: str = "", account: str = "") -> Answer:
    app = html.escape(core.config.partner_name)
    body = f"""
<h1>登入蝦皮賣家帳號</h1>
<p class="lead">「{app}」要求連結您的蝦皮商店，請以商店帳號登入以繼續。</p>
{_error_line(error)}
<form id="login-form" method="post" action="/auth/login">
  {_session_field(session)}
  <label for="account">帳號</label>
  <input id="account" name="account" autocomplete="username" required value="{html.escape(account)}">
  <label for="password">密碼</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button id="login-button" type="submit">登入</button>
</form>"""
    return _page("登入 - 蝦皮開放平台授權", body, 401 if error else 200)


def _phone_page(core: Core, session: AuthSession) -> Answer:
    shop = core.world.shops[session.shop_id]
    phone = f"09**-***-{shop.shop_id[-3:]}"
    body = f"""
<h1>手機驗證</h1>
<p id="phone-notice">驗證連結已傳送至您的手機 {phone}，請在手機上點擊簡訊中的連結完成驗證。</p>
<form id="phone-form" method="post" action="/auth/phone">
  {_session_field(session)}
  <button id="phone-confirm" type="submit">我已在手機上點擊驗證連結</button>
</form>
<p class="hint">沙盒環境：此按鈕代替在手機上點擊驗證連結。</p>"""
    return _page("手機驗證 - 蝦皮開放平台授權", body)


def _consent_page(core: Core, session: AuthSession) -> Answer:
    shop = core.world.shops[session.shop_id]
    config = core.config
    body = f"""
<h1>授權確認</h1>
<p id="consent-text">「<strong id="partner-name">{html.escape(config.partner_name)}</strong>」
（合作夥伴編號 {config.partner_id}）要求存取您的商店
<strong id="shop-name">{html.escape(shop.name)}</strong>（帳號 {html.escape(shop.account)}，商店編號 {shop.shop_id}）。</p>
<ul>
  <li>讀取訂單與物流資訊、安排出貨</li>
  <li>讀取聊聊訊息並代您回覆買家</li>
</ul>
<p>授權期限：{config.authorization_days} 天，期滿需重新授權。</p>
<form id="consent-form" method="post" action="/auth/decide">
  {_session_field(session)}
  <button id="approve" name="decision" value="approve" type="submit">同意授權</button>
  <button id="deny" name="decision" value="deny" type="submit" class="secondary">拒絕</button>
</form>"""
    return _page("授權確認 - 蝦皮開放平台授權", body)


def _error_page(message: str, status: int) -> Answer:
    return _page("授權失敗 - 蝦皮開放平台授權", f"<h1>無法授權</h1>{_error_line(message)}", status)


def _error_line(message: str) -> str:
    return f'<p id="error" class="error" role="alert">{html.escape(message)}</p>' if message else ""


def _session_field(session: AuthSession) -> str:
    return f'<input type="hidden" name="session" value="{html.escape(session.session_id)}">'


_STYLE = """
body{margin:0;background:#f5f5f5;font-family:"Noto Sans TC","PingFang TC","Microsoft JhengHei",sans-serif;color:#222}
header{background:#ee4d2d;color:#fff;padding:14px 24px;font-size:20px;font-weight:bold}
main{max-width:420px;margin:40px auto;background:#fff;padding:28px 32px;border-radius:4px;box-shadow:0 1px 4px #0002}
h1{font-size:22px;margin-top:0}.lead,.hint{color:#555}.hint{font-size:13px}
label{display:block;margin:14px 0 4px}input{width:100%;box-sizing:border-box;padding:9px;font-size:16px}
button{margin-top:18px;padding:10px 22px;font-size:16px;border:0;border-radius:2px;background:#ee4d2d;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#555;border:1px solid #ccc;margin-left:8px}
.error{background:#fff1f0;border:1px solid #ee4d2d;color:#c0341d;padding:10px}
"""


def _page(title: str, body: str, status: int = 200) -> Answer:
    page = f"""<!DOCTYPE html>
<html lang="zh-Hant"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{html.escape(title)}</title><style>{_STYLE}</style></head>
<body><header>Shopee 蝦皮 開放平台（沙盒）</header><main>{body}
</main></body></html>"""
    return Answer(status, page.encode("utf-8"), "text/html; charset=utf-8")
