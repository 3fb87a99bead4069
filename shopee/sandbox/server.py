"""HTTP plumbing: one threaded standard-library server, three areas.

/api/v2/...   Shopee's API (and the legacy signed authorization link /api/v2/shop/auth_partner)
/auth...      the seller's authorization pages (the newer open.shopee.com/auth form)
/_sandbox/... the control API for tests and the demo
"""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

# The endpoint modules register themselves in api.ENDPOINTS when imported.
from shopee.sandbox import api_auth, api_chat, api_orders, api_push, chatview, media, sellercentre_http  # noqa: F401
from shopee.sandbox.api import Answer, api_answer
from shopee.sandbox.control import control_answer, overview_page
from shopee.sandbox.pages import LEGACY_PATH, form_post, legacy_link, open_link

if TYPE_CHECKING:
    from shopee.sandbox.sandbox import Sandbox

log = logging.getLogger(__name__)

MAX_BODY = 10 * 1024 * 1024


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # several worker processes connect at once; 5 would drop SYNs

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        super().__init__(address, SandboxHandler)


class SandboxHandler(BaseHTTPRequestHandler):
    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "ShopeeSandbox/1.0"
    # Buffer the answer so headers and body leave in one write (flushed after each request);
    # separate small writes meet the client's delayed ACK and cost 40 ms a call.
    wbufsize = -1
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    # Shopee only knows GET and POST; other methods get the same JSON refusals, not an HTML 501.
    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        try:
            answer = self._answer(method)
        except Exception:
            log.exception("sandbox bug answering %s %s", method, self.path)
            self.close_connection = True
            answer = Answer(500, b'{"error": "the sandbox failed on this request; see its log"}')
        self.server.sandbox.core.sleep(answer.delay)
        self._send(answer)

    def _answer(self, method: str) -> Answer:
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        raw = self._body()
        if isinstance(raw, Answer):
            return raw
        sandbox = self.server.sandbox
        core = sandbox.core
        if core.stopping.is_set():
            # A kept-alive connection outliving stop(): do not serve a stopped sandbox.
            self.close_connection = True
            return Answer(503, b'{"error": "the sandbox is stopping"}')
        if path.startswith("/file/") and method == "GET":
            found = media.file_of(core, path)
            if found is None:
                return Answer(404, b'{"error": "no such file"}')
            return Answer(200, found[0], found[1], headers={"Cache-Control": "public, max-age=86400"})
        if method == "GET" and (sticker := media.sticker_of(path)) is not None:
            return Answer(200, sticker, "image/png", headers={"Cache-Control": "public, max-age=86400"})
        if path.startswith("/_sandbox/chat") and method == "GET":
            return chatview.page(sandbox, path, query)
        if sellercentre_http.handles(path):
            return sellercentre_http.answer(core, method, path, query, raw, self.headers)
        if path == LEGACY_PATH and method == "GET":
            with core.lock:
                return legacy_link(core, query)
        if path.startswith("/api/v2/"):
            return api_answer(core, method, path, query, raw, self.headers.get("Content-Type", ""))
        if path == "/auth" and method == "GET":
            with core.lock:
                return open_link(core, query)
        if path in ("/auth/login", "/auth/phone", "/auth/decide") and method == "POST":
            form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
            with core.lock:
                answer = form_post(core, path, form)
                core.changed()
            return answer
        if path in ("/", "/_sandbox") and method == "GET":
            return overview_page(sandbox)
        if path.startswith("/_sandbox/"):
            return control_answer(sandbox, method, path, query, raw)
        return Answer(
            404, b'{"error": "not found; the API is under /api/v2/, the control API under /_sandbox/"}'
        )

    def _body(self) -> bytes | Answer:
        """The request body, or the refusal when its length is unknown, invalid or too large.
        Each refusal closes the connection: the unread body would garble the next request."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return Answer(411, b'{"error": "send the body with a Content-Length, not chunked"}')
        length = (self.headers.get("Content-Length") or "0").strip()
        if not length.isdigit():
            self.close_connection = True
            return Answer(400, b'{"error": "invalid Content-Length"}')
        if int(length) > MAX_BODY:
            self.close_connection = True
            return Answer(413, b'{"error": "body too large (at most 10 MB)"}')
        return self.rfile.read(int(length)) if int(length) else b""

    def _send(self, answer: Answer) -> None:
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            for cookie in answer.cookies:
                self.send_header("Set-Cookie", cookie)
            self.end_headers()
            self.wfile.write(answer.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The caller gave up (timed out) before the answer: exactly what a hang fault is for.
            log.debug("client went away before the answer to %s", self.path)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s - %s", self.address_string(), format % args)
