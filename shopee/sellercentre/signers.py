"""The request-signing seam: how a Seller Centre call leaves this process.

Two implementations, chosen by the setting `signing` (see `make_signer`):

- `none` — `PlainSigner`: plain HTTP with `requests`; the cookies ride in a `Cookie` header.
  Enough for the login calls, the sandbox, and older chat interfaces.
- `page` — `PageSigner`: one headless Debian Chromium per process (Playwright, `/usr/bin/chromium`),
  one browser context per shop started on demand with that shop's session cookies, closed when idle.
  The context opens Seller Centre's chat page, and every chat call is made from inside that page
  (`page.evaluate(fetch …)`), so the page's own script adds the anti-fraud headers Shopee expects
  (SHOPEE_API.md §5A). Playwright's sync API is used by one dedicated thread that owns it; callers
  (Celery worker threads, web threads) hand it work through a queue and wait with a timeout.

The page's own socket (`window.__CHAT_GLOBAL__.socket`) is a second hook, `page_news()` with
`news_script`: off unless the product turns it on (see DEFAULT_NEWS_SCRIPT for what it does and
does not claim).

What the real page needs before it signs is not publicly known: `PageSigner(call_script=…)` is the
one hook for it (a JavaScript function `async ([url, method, headers, body, timeoutMs, binary]) =>
{status, headers, text}` evaluated in the page; `binary` says `body` is base64, e.g. an upload).
The default calls `window.fetch`, which the sandbox's signed chat page wraps; a public note (2025) reports that on shopee.vn product pages
even the page's own `window.fetch` was refused — if Seller Centre does the same, the hook must call
the page's own request module instead.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter

from shopee.errors import Transient

log = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking")

DEFAULT_CALL_SCRIPT = """
async ([url, method, headers, body, timeoutMs, binary]) => {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  if (body !== null && binary) body = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  try {
    const answer = await window.fetch(url, {
      method, headers, body: body === null ? undefined : body,
      credentials: "include", signal: abort.signal,
    });
    const seen = {};
    answer.headers.forEach((value, name) => { seen[name] = value; });
    return {status: answer.status, headers: seen, text: await answer.text()};
  } catch (error) {
    return {status: 0, headers: {}, text: String(error)};
  } finally {
    clearTimeout(timer);
  }
}
"""


# The hook on Seller Centre's own live channel (off unless the product turns it on): its full chat
# page keeps a socket object, window.__CHAT_GLOBAL__.socket, whose "message" frames carry
# {message_type: "message", message_content: "<JSON>"} (sometimes under .data) for each new message
# (SHOPEE_API.md §5A, one public browser extension). Evaluated in a shop's already open page, this
# listens once and answers how many message frames arrived since it was last asked, or null when
# the page has no such socket. No public code opens that socket from outside a page, and nothing
# here was checked against Taiwan's Seller Centre: a frame is only ever a reason to ask the signal
# at once, never a message stored on its word.
DEFAULT_NEWS_SCRIPT = """
() => {
  const socket = window.__CHAT_GLOBAL__ && window.__CHAT_GLOBAL__.socket;
  if (!socket || typeof socket.on !== "function") return null;
  if (!window.__tmschatNews) {
    window.__tmschatNews = {frames: 0};
    socket.on("message", (frame) => {
      const body = frame && frame.data && frame.data.message_type ? frame.data : frame;
      if (body && body.message_type === "message") window.__tmschatNews.frames += 1;
    });
  }
  const frames = window.__tmschatNews.frames;
  window.__tmschatNews.frames = 0;
  return frames;
}
"""


@dataclass
class RawResponse:
    status: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    cookies: dict[str, str] = field(default_factory=dict)  # set by this answer


class Signer(Protocol):
    """Sends one request for one shop (`shop_key`); raises `Transient` on network failure/timeout.
    `body`: text (JSON), bytes (an upload, sent as they are) or None."""

    def request(
        self,
        *,
        shop_key: str,
        method: str,
        url: str,
        headers: dict[str, str],
        cookies: dict[str, str],
        body: str | bytes | None,
        timeout: float,
    ) -> RawResponse: ...

    def close(self) -> None: ...


class PlainSigner:
    """Plain HTTP. Keeps no cookies between calls: every call carries the caller's own."""

    mode = "none"

    def __init__(self, session: requests.Session | None = None) -> None:
        self._session = session or _plain_session()

    def request(self, *, shop_key, method, url, headers, cookies, body, timeout) -> RawResponse:
        headers = dict(headers)
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        try:
            answer = self._session.request(
                method,
                url,
                headers=headers,
                data=body.encode("utf-8") if isinstance(body, str) else body,
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise Transient(f"timed out after {timeout:g} s calling Seller Centre") from None
        except requests.RequestException as exc:
            raise Transient(f"network error calling Seller Centre: {type(exc).__name__}") from None
        set_cookies: dict[str, str] = {}
        for line in answer.raw.headers.getlist("Set-Cookie"):
            parsed: SimpleCookie = SimpleCookie()
            with contextlib.suppress(Exception):
                parsed.load(line)
            set_cookies |= {name: morsel.value for name, morsel in parsed.items()}
        return RawResponse(
            status=answer.status_code,
            text=answer.content.decode("utf-8", "replace"),
            headers={k.lower(): v for k, v in answer.headers.items()},
            cookies=set_cookies,
        )

    def close(self) -> None:
        self._session.close()


def _plain_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment for Shopee's or the sandbox's host
    session.mount("http://", HTTPAdapter(pool_maxsize=16))
    session.mount("https://", HTTPAdapter(pool_maxsize=16))

    # Never keep cookies in the shared session: one shop's cookies must not ride another's calls.
    class _NoJar(requests.cookies.RequestsCookieJar):
        def set_cookie(self, *args: Any, **kwargs: Any) -> None:
            return None

    session.cookies = _NoJar()
    return session


@dataclass
class _ShopPage:
    context: Any
    page: Any
    cookies: dict[str, str]
    last_used: float


class PageSigner:
    """Chat calls made from inside Seller Centre's chat page in a headless Chromium.

    `seller_url` is the Seller Centre origin ("https://seller.shopee.tw" or the sandbox URL);
    `chat_page_path` the page to open; `idle_seconds` how long an unused shop context stays open.
    """

    mode = "page"

    def __init__(
        self,
        *,
        seller_url: str,
        chat_page_path: str = "/webchat/conversations",
        chromium: str = CHROMIUM,
        idle_seconds: float = 300.0,
        call_script: str = DEFAULT_CALL_SCRIPT,
        news_script: str = DEFAULT_NEWS_SCRIPT,
        page_timeout: float = 30.0,
    ) -> None:
        self.seller_url = seller_url.rstrip("/")
        self.chat_page_path = chat_page_path
        self.chromium = chromium
        self.idle_seconds = idle_seconds
        self.call_script = call_script
        self.news_script = news_script
        self.page_timeout = page_timeout
        self._jobs: queue.Queue[tuple[Callable[[], Any], Future] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._start_lock = threading.Lock()
        # Owned by the browser thread only:
        self._playwright: Any = None
        self._browser: Any = None
        self._pages: dict[str, _ShopPage] = {}

    # -- callers' side -----------------------------------------------------------------------------

    def request(self, *, shop_key, method, url, headers, cookies, body, timeout) -> RawResponse:
        def job() -> RawResponse:
            return self._call_in_page(shop_key, method, url, headers, cookies, body, timeout)

        future = self._submit(job)
        try:
            # Opening a context and its page may take a while the first time; the call itself is
            # bounded by `timeout` inside the page.
            return future.result(timeout=timeout + self.page_timeout)
        except FutureTimeout:
            # Still queued behind other shops' calls: drop it, so a send the caller gave up on is
            # never made later. Already running: in doubt, as any timed-out send.
            future.cancel()
            raise Transient(f"the Seller Centre page did not answer within {timeout:g} s") from None

    def open_shops(self) -> list[str]:
        """Shops with an open browser context: those used within the idle time (read by the tests)."""
        return self._submit(lambda: sorted(self._pages)).result(timeout=self.page_timeout)

    def page_news(self) -> dict[str, int | None]:
        """For each shop whose page is open: the message frames its page's own socket delivered
        since the last ask (None: the page has no socket). Never opens a page, costs Shopee
        nothing (DEFAULT_NEWS_SCRIPT)."""
        return self._submit(self._news_in_pages).result(timeout=self.page_timeout)

    def close(self) -> None:
        thread = self._thread
        if thread is None or self._pid != os.getpid():
            return
        self._jobs.put(None)
        thread.join(timeout=self.page_timeout)
        self._thread = None

    def _submit(self, job: Callable[[], Any]) -> Future:
        self._ensure_thread()
        future: Future = Future()
        self._jobs.put((job, future))
        return future

    def _ensure_thread(self) -> None:
        with self._start_lock:
            # A forked worker (Celery prefork) inherits no running thread: start its own browser.
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._jobs = queue.Queue()
            self._pages = {}
            self._playwright = self._browser = None
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="sellercentre-page", daemon=True)
            self._thread.start()

    # -- the browser thread ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                try:
                    item = self._jobs.get(timeout=1.0)
                except queue.Empty:
                    self._close_idle()
                    continue
                if item is None:
                    break
                job, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(job())
                except BaseException as exc:  # handed to the caller, who raises it
                    future.set_exception(exc)
                self._close_idle()
        finally:
            for key in list(self._pages):
                self._close_page(key)
            with contextlib.suppress(Exception):
                if self._browser is not None:
                    self._browser.close()
            with contextlib.suppress(Exception):
                if self._playwright is not None:
                    self._playwright.stop()
            self._browser = self._playwright = None

    def _browser_get(self) -> Any:
        if self._browser is None or not self._browser.is_connected():
            from playwright.sync_api import sync_playwright  # only processes that sign by page need it

            if self._playwright is None:
                self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=self.chromium, headless=True, args=list(CHROMIUM_ARGS)
            )
            self._pages = {}
        return self._browser

    def _page_for(self, shop_key: str, cookies: dict[str, str]) -> _ShopPage:
        current = self._pages.get(shop_key)
        if current is not None and current.cookies == cookies and not current.page.is_closed():
            current.last_used = time.monotonic()
            return current
        self._close_page(shop_key)  # a new session (re-login) gets a fresh context
        context = self._browser_get().new_context(locale="zh-TW", timezone_id="Asia/Taipei")
        context.set_default_timeout(self.page_timeout * 1000)
        context.add_cookies(
            [{"name": name, "value": value, "url": self.seller_url} for name, value in cookies.items()]
        )
        page = context.new_page()
        try:
            page.goto(self.seller_url + self.chat_page_path, wait_until="load")
        except Exception as exc:
            with contextlib.suppress(Exception):
                context.close()
            raise Transient(f"could not open the Seller Centre chat page: {type(exc).__name__}") from None
        opened = _ShopPage(context, page, dict(cookies), time.monotonic())
        self._pages[shop_key] = opened
        return opened

    def _call_in_page(self, shop_key, method, url, headers, cookies, body, timeout) -> RawResponse:
        shop_page = self._page_for(shop_key, cookies)
        # The browser sends the context's cookies itself; a Cookie header is forbidden in fetch.
        headers = {k: v for k, v in headers.items() if k.lower() != "cookie"}
        binary = isinstance(body, bytes)
        if binary:  # bytes cannot cross into the page as they are
            body = base64.b64encode(body).decode("ascii")
        result = shop_page.page.evaluate(
            self.call_script, [url, method, headers, body, int(timeout * 1000), binary]
        )
        shop_page.last_used = time.monotonic()
        if not isinstance(result, dict) or not result.get("status"):
            detail = result.get("text") if isinstance(result, dict) else result
            raise Transient(f"the call from the Seller Centre page failed: {str(detail)[:200]}")
        return RawResponse(
            status=int(result["status"]),
            text=str(result.get("text") or ""),
            headers={str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()},
        )

    def _news_in_pages(self) -> dict[str, int | None]:
        news: dict[str, int | None] = {}
        for key, shop_page in list(self._pages.items()):
            try:
                frames = shop_page.page.evaluate(self.news_script)
            except Exception as exc:  # a page closing or navigating: no news from it this time
                log.debug("no socket news from the page of shop %s: %s", key, type(exc).__name__)
                frames = None
            news[key] = int(frames) if isinstance(frames, int | float) else None
        return news

    def _close_page(self, shop_key: str) -> None:
        shop_page = self._pages.pop(shop_key, None)
        if shop_page is not None:
            with contextlib.suppress(Exception):
                shop_page.context.close()

    def _close_idle(self) -> None:
        cutoff = time.monotonic() - self.idle_seconds
        for key in [k for k, p in self._pages.items() if p.last_used < cutoff]:
            log.debug("closing the idle Seller Centre page of shop %s", key)
            self._close_page(key)


def make_signer(mode: str, *, seller_url: str, **page_options: Any) -> Signer:
    """The signer for the setting `signing`: "none" or "page"."""
    if mode == "none":
        return PlainSigner()
    if mode == "page":
        return PageSigner(seller_url=seller_url, **page_options)
    raise ValueError(f"signing must be 'none' or 'page', not {mode!r}")
