"""The Shopee Open Platform v2 client: the only code that speaks HTTP to Shopee.

Against the real platform::

    client = ShopeeClient(
        partner_id=<live partner id>,
        partner_key=<live partner key>,
        base_url="https://partner.shopeemobile.com",
        auth_page_url="https://open.shopee.com/auth",  # only for auth_link_style="open"
    )

Against the sandbox, pass its URL (e.g. "http://127.0.0.1:8100") and the demo partner credentials.

`client` makes partner-level (public) calls; `client.shop(shop_id, access_token)` makes shop calls.
The client keeps no token state: callers store each new TokenPair, because a refresh token works
once only. Failures raise the typed errors of `shopee.errors`; nothing is retried here, callers
decide from the error type. Ids are strings in both directions.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from shopee.errors import BadRequest, ShopeeError, Transient, error_for
from shopee.signing import api_signature, verify_push
from shopee.types import (
    AuthorizedShop,
    ConversationPage,
    LostPushPage,
    MessagePage,
    Push,
    ShippingDocument,
    TokenPair,
)

__all__ = ["DEFAULT_ORDER_FIELDS", "ShopClient", "ShopeeClient", "parse_push", "verify_push"]

log = logging.getLogger(__name__)

# What the product shows and imports per order (buyer, items, carrier, amounts, packages, cancellation).
DEFAULT_ORDER_FIELDS: tuple[str, ...] = (
    "buyer_user_id",
    "buyer_username",
    "recipient_address",
    "item_list",
    "total_amount",
    "shipping_carrier",
    "package_list",
    "pay_time",
    "note",
    "payment_method",
    "cancel_by",
    "cancel_reason",
    "buyer_cancel_reason",
    "estimated_shipping_fee",
    "actual_shipping_fee",
    "pickup_done_time",
)

ORDER_WINDOW_SECONDS = 15 * 24 * 3600  # get_order_list refuses longer ranges
ORDER_PAGE_MAX = 100
ORDER_DETAIL_BATCH = 50
SHIPPING_DOCUMENT_BATCH = 50
SHOPS_PAGE_SIZE = 100

_ENVELOPE = frozenset({"error", "message", "request_id", "warning"})


class ShopeeClient:
    """Partner-level client: authorization, tokens, authorized shops, lost pushes."""

    def __init__(
        self,
        partner_id: int | str,
        partner_key: str,
        base_url: str,
        auth_page_url: str | None = None,
        auth_link_style: Literal["legacy", "open"] = "legacy",
        timeout: float = 10.0,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        on_error: Callable[[ShopeeError], None] | None = None,
    ) -> None:
        """`on_error` sees every typed error a call raises (the product counts them for /metrics)."""
        if auth_link_style not in ("legacy", "open"):
            raise ValueError(f"auth_link_style must be 'legacy' or 'open', not {auth_link_style!r}")
        if auth_link_style == "open" and not auth_page_url:
            raise ValueError("auth_link_style='open' needs auth_page_url")
        if not timeout or timeout <= 0:
            raise ValueError("a positive timeout is mandatory")
        self.partner_id = int(partner_id)
        self._partner_key = partner_key
        self.base_url = base_url.rstrip("/")
        self.auth_page_url = auth_page_url
        self.auth_link_style = auth_link_style
        self.timeout = float(timeout)
        self._session = session or _pooled_session()
        self._clock = clock
        self._on_error = on_error

    def __repr__(self) -> str:
        return f"ShopeeClient(partner_id={self.partner_id}, base_url={self.base_url!r})"

    def close(self) -> None:
        self._session.close()

    def shop(self, shop_id: int | str, access_token: str) -> ShopClient:
        return ShopClient(self, str(shop_id), access_token)

    # -- authorization -------------------------------------------------------------------------

    def authorization_url(self, redirect_url: str, state: str | None = None) -> str:
        """The link a seller opens to authorize our app; Shopee redirects back with `code` and `shop_id`.

        The legacy link is signed and only valid for 5 minutes, and has no `state` parameter of its
        own, so `state` rides in the redirect URL's query and comes back all the same.
        """
        if self.auth_link_style == "open":
            params = {
                "partner_id": self.partner_id,
                "auth_type": "seller",
                "redirect_uri": redirect_url,
                "response_type": "code",
            }
            if state is not None:
                params["state"] = state
            return _with_query(self.auth_page_url or "", params)
        path = "/api/v2/shop/auth_partner"
        if state is not None:
            redirect_url = _with_query(redirect_url, {"state": state})
        return _with_query(self.base_url + path, {**self._common_params(path), "redirect": redirect_url})

    def get_access_token(self, code: str, shop_id: int | str) -> TokenPair:
        """Exchange the one-time authorization `code` (10 minutes) for the shop's first token pair."""
        body = {"code": code, "partner_id": self.partner_id, "shop_id": int(shop_id)}
        result = self._call("POST", "/api/v2/auth/token/get", body=body, secrets=(code,))
        return _token_pair(result, shop_id)

    def refresh_access_token(self, refresh_token: str, shop_id: int | str) -> TokenPair:
        """A new pair for the shop. The old refresh token is consumed by this call, even if the
        caller loses the answer: store the returned pair at once and never reuse the old one."""
        body = {"refresh_token": refresh_token, "partner_id": self.partner_id, "shop_id": int(shop_id)}
        result = self._call("POST", "/api/v2/auth/access_token/get", body=body, secrets=(refresh_token,))
        return _token_pair(result, shop_id)

    def get_shops_by_partner(self) -> list[AuthorizedShop]:
        """Every shop that authorized the app, with when its authorization lapses."""
        shops: list[AuthorizedShop] = []
        page_no = 1
        while True:
            result = self._call(
                "GET",
                "/api/v2/public/get_shops_by_partner",
                query={"page_size": SHOPS_PAGE_SIZE, "page_no": page_no},
            )
            shops += [
                AuthorizedShop(
                    shop_id=shop["shop_id"],
                    region=shop.get("region", ""),
                    auth_time=int(shop.get("auth_time", 0)),
                    expire_time=int(shop.get("expire_time", 0)),
                )
                for shop in result.get("authed_shop_list") or []
            ]
            if not result.get("more"):
                return shops
            page_no += 1

    # -- lost pushes ---------------------------------------------------------------------------

    def get_lost_push_messages(self) -> LostPushPage:
        """The earliest (up to 100) pushes Shopee could not deliver in the last 3 days."""
        result = self._call("GET", "/api/v2/push/get_lost_push_message")
        last = result.get("last_message_id")
        return LostPushPage(
            messages=[_push_from(item) for item in result.get("push_message_list") or []],
            has_next_page=bool(result.get("has_next_page")),
            last_message_id=str(last) if last not in (None, "", "0", 0) else None,
        )

    def confirm_consumed_lost_push_message(self, last_message_id: str) -> None:
        """Tell Shopee every lost push up to `last_message_id` is stored, so the next page comes."""
        body = {"last_message_id": int(last_message_id)}
        self._call("POST", "/api/v2/push/confirm_consumed_lost_push_message", body=body)

    # -- transport -----------------------------------------------------------------------------

    def _common_params(
        self, path: str, access_token: str | None = None, shop_id: str | None = None
    ) -> dict[str, Any]:
        timestamp = int(self._clock())
        params: dict[str, Any] = {"partner_id": self.partner_id, "timestamp": timestamp}
        if access_token is not None:
            params |= {"access_token": access_token, "shop_id": shop_id}
        params["sign"] = api_signature(
            self._partner_key, self.partner_id, path, timestamp, access_token, shop_id
        )
        return params

    def _send(
        self,
        method: Literal["GET", "POST"],
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        access_token: str | None = None,
        shop_id: str | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> requests.Response:
        params = {**_query_params(query or {}), **self._common_params(path, access_token, shop_id)}
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                params=params,
                # A file goes as multipart/form-data (upload_image); every other POST as a JSON body.
                json=dict(body or {}) if method == "POST" and files is None else None,
                files=files,
                timeout=self.timeout,
            )
        except requests.Timeout:
            # `from None`: the requests exception text holds the full URL, tokens included.
            raise Transient(f"timed out after {self.timeout:g} s calling {path}") from None
        except requests.RequestException as exc:
            raise Transient(f"network error calling {path}: {type(exc).__name__}") from None
        log.debug("shopee %s %s -> HTTP %s", method, path, response.status_code)
        return response

    def _envelope(self, response: requests.Response, path: str, secrets: Sequence[str]) -> dict[str, Any]:
        """The parsed body, or the typed error it (or its HTTP status) carries."""
        status = response.status_code
        try:
            payload = json.loads(response.content, object_hook=_str_ids)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            if status >= 400:
                raise error_for(
                    "",
                    f"HTTP {status} from {path}",
                    http_status=status,
                    retry_after=self._retry_after(response),
                )
            raise Transient(f"unexpected non-JSON answer from {path} (HTTP {status})", http_status=status)
        code = str(payload.get("error") or "")
        if code or status >= 400:
            message = _redact(str(payload.get("message") or ""), (self._partner_key, *secrets))
            request_id = str(payload.get("request_id") or "")
            log.info("shopee %s failed: %s %r (request_id=%s)", path, code or status, message, request_id)
            raise error_for(
                code,
                message or f"HTTP {status} from {path}",
                request_id=request_id,
                http_status=status,
                retry_after=self._retry_after(response),
            )
        return payload

    def _call(
        self,
        method: Literal["GET", "POST"],
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        access_token: str | None = None,
        shop_id: str | None = None,
        secrets: Sequence[str] = (),
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        """One call; returns `response` of the envelope (or the flat fields of token/partner calls)."""
        try:
            response = self._send(
                method, path, query=query, body=body, access_token=access_token, shop_id=shop_id, files=files
            )
            secrets = (*secrets, access_token) if access_token else secrets
            payload = self._envelope(response, path, secrets)
        except ShopeeError as exc:
            if self._on_error is not None:
                self._on_error(exc)
            raise
        # Token calls, get_shops_by_partner and shop/get_shop_info answer flat, without `response`.
        result = payload.get("response")
        if not isinstance(result, dict):
            result = {key: value for key, value in payload.items() if key not in _ENVELOPE}
        return result  # ids already strings (_str_ids, while parsing)

    def _retry_after(self, response: requests.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - self._clock())
        except (TypeError, ValueError):
            return None


class ShopClient:
    """Calls on behalf of one shop, signed with its access token."""

    def __init__(self, client: ShopeeClient, shop_id: str, access_token: str) -> None:
        self._client = client
        self.shop_id = shop_id
        self._access_token = access_token

    def __repr__(self) -> str:
        return f"ShopClient(shop_id={self.shop_id!r})"

    def _call(
        self,
        method: Literal["GET", "POST"],
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        return self._client._call(
            method,
            path,
            query=query,
            body=body,
            access_token=self._access_token,
            shop_id=self.shop_id,
            files=files,
        )

    def get_shop_info(self) -> dict[str, Any]:
        return self._call("GET", "/api/v2/shop/get_shop_info")

    # -- orders --------------------------------------------------------------------------------

    def iter_order_sns(
        self,
        time_from: int,
        time_to: int,
        time_range_field: Literal["create_time", "update_time"] = "create_time",
        order_status: str | None = None,
        page_size: int = ORDER_PAGE_MAX,
    ) -> Iterator[str]:
        """Order numbers with `time_range_field` in [time_from, time_to], any range long: asked in
        windows of at most 15 days, every page followed. Each number comes once."""
        if time_from > time_to:
            raise ValueError("time_from is after time_to")
        if not 1 <= page_size <= ORDER_PAGE_MAX:
            raise ValueError(f"page_size must be 1..{ORDER_PAGE_MAX}")
        return self._order_sns(int(time_from), int(time_to), time_range_field, order_status, page_size)

    def _order_sns(
        self, time_from: int, time_to: int, time_range_field: str, order_status: str | None, page_size: int
    ) -> Iterator[str]:
        # Windows share their boundary second, and with update_time an order can move into a
        # later window while we page: hence the seen-set.
        seen: set[str] = set()
        start = time_from
        while start < time_to:
            end = min(start + ORDER_WINDOW_SECONDS, time_to)
            query = {
                "time_range_field": time_range_field,
                "time_from": start,
                "time_to": end,
                "page_size": page_size,
                "order_status": order_status,
            }
            for order in self._follow_cursor("/api/v2/order/get_order_list", query):
                if order["order_sn"] not in seen:
                    seen.add(order["order_sn"])
                    yield order["order_sn"]
            start = end

    def _follow_cursor(self, path: str, query: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        cursor = ""
        while True:
            result = self._call("GET", path, query={**query, "cursor": cursor})
            yield from result.get("order_list") or []
            cursor = str(result.get("next_cursor") or "")
            if not result.get("more") or not cursor:
                return

    def get_order_details(
        self, order_sns: Iterable[str], optional_fields: Sequence[str] = DEFAULT_ORDER_FIELDS
    ) -> list[dict[str, Any]]:
        """Details of the given orders, asked 50 at a time."""
        details: list[dict[str, Any]] = []
        for batch in _batches(list(order_sns), ORDER_DETAIL_BATCH):
            query = {"order_sn_list": batch, "response_optional_fields": list(optional_fields)}
            details += (
                self._call("GET", "/api/v2/order/get_order_detail", query=query).get("order_list") or []
            )
        return details

    def get_shipment_list(self, page_size: int = ORDER_PAGE_MAX) -> Iterator[dict[str, Any]]:
        """Orders waiting to be shipped (`{order_sn, package_number}`), every page followed."""
        if not 1 <= page_size <= ORDER_PAGE_MAX:
            raise ValueError(f"page_size must be 1..{ORDER_PAGE_MAX}")
        return self._follow_cursor("/api/v2/order/get_shipment_list", {"page_size": page_size})

    # -- logistics -----------------------------------------------------------------------------

    def get_tracking_number(
        self, order_sn: str, package_number: str | None = None, optional_fields: Sequence[str] = ()
    ) -> dict[str, Any]:
        """`tracking_number` may be "" for a while after shipping: ask again later."""
        query = {
            "order_sn": order_sn,
            "package_number": package_number or None,
            "response_optional_fields": list(optional_fields) or None,
        }
        return self._call("GET", "/api/v2/logistics/get_tracking_number", query=query)

    def get_shipping_parameter(self, order_sn: str, package_number: str | None = None) -> dict[str, Any]:
        """What ship_order needs for this order: pickup addresses and slots, drop-off branches…"""
        query = {"order_sn": order_sn, "package_number": package_number or None}
        return self._call("GET", "/api/v2/logistics/get_shipping_parameter", query=query)

    def ship_order(
        self,
        order_sn: str,
        *,
        package_number: str | None = None,
        pickup: Mapping[str, Any] | None = None,
        dropoff: Mapping[str, Any] | None = None,
        non_integrated: Mapping[str, Any] | None = None,
    ) -> None:
        """Arrange shipment by exactly one method; an empty mapping (`dropoff={}`) is a valid choice."""
        methods = {"pickup": pickup, "dropoff": dropoff, "non_integrated": non_integrated}
        chosen = {name: _with_int_ids(value) for name, value in methods.items() if value is not None}
        if len(chosen) != 1:
            raise ValueError("ship_order needs exactly one of pickup, dropoff, non_integrated")
        body = _compact({"order_sn": order_sn, "package_number": package_number or None}) | chosen
        self._call("POST", "/api/v2/logistics/ship_order", body=body)

    def update_shipping_order(
        self, order_sn: str, *, pickup: Mapping[str, Any], package_number: str | None = None
    ) -> None:
        """A courier's pickup arranged again: for RETRY_SHIP (the pickup failed) or a new slot."""
        body = _compact({"order_sn": order_sn, "package_number": package_number or None})
        self._call(
            "POST", "/api/v2/logistics/update_shipping_order", body=body | {"pickup": _with_int_ids(pickup)}
        )

    def get_channel_list(self) -> list[dict[str, Any]]:
        result = self._call("GET", "/api/v2/logistics/get_channel_list")
        return result.get("logistics_channel_list") or []

    def get_shipping_document_parameter(self, orders: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Per package: the suggested and selectable document types.
        `orders` items: {order_sn, package_number?}."""
        return self._document_results("get_shipping_document_parameter", orders, None)

    def create_shipping_document(
        self, orders: Iterable[Mapping[str, Any]], shipping_document_type: str | None = None
    ) -> list[dict[str, Any]]:
        """Ask Shopee to render documents. `orders` items: {order_sn, package_number?,
        tracking_number?, shipping_document_type?}; `shipping_document_type` fills in missing ones."""
        return self._document_results("create_shipping_document", orders, shipping_document_type)

    def get_shipping_document_result(
        self, orders: Iterable[Mapping[str, Any]], shipping_document_type: str | None = None
    ) -> list[dict[str, Any]]:
        """Per package: `status` READY, PROCESSING or FAILED."""
        return self._document_results("get_shipping_document_result", orders, shipping_document_type)

    def _document_results(
        self, action: str, orders: Iterable[Mapping[str, Any]], document_type: str | None
    ) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for batch in _batches(_document_orders(orders, document_type), SHIPPING_DOCUMENT_BATCH):
            result = self._call("POST", f"/api/v2/logistics/{action}", body={"order_list": batch})
            results += result.get("result_list") or []
        return results

    def download_shipping_document(
        self, orders: Iterable[Mapping[str, Any]], shipping_document_type: str | None = None
    ) -> ShippingDocument:
        """The READY documents of up to 50 packages as one file; a JSON answer is an error."""
        order_list = _document_orders(orders, None)
        if not 1 <= len(order_list) <= SHIPPING_DOCUMENT_BATCH:
            raise ValueError(f"download 1..{SHIPPING_DOCUMENT_BATCH} packages at a time")
        path = "/api/v2/logistics/download_shipping_document"
        body = _compact({"shipping_document_type": shipping_document_type, "order_list": order_list})
        client = self._client
        response = client._send(
            "POST", path, body=body, access_token=self._access_token, shop_id=self.shop_id
        )
        content_type = response.headers.get("Content-Type", "application/octet-stream")
        is_json = "json" in content_type.lower() or response.content.lstrip()[:1] == b"{"
        if response.ok and not is_json:
            return ShippingDocument(content=response.content, content_type=content_type)
        client._envelope(response, path, (self._access_token,))
        raise BadRequest(f"{path} answered JSON without an error instead of a document")

    # -- chat ----------------------------------------------------------------------------------

    def get_conversation_list(
        self,
        direction: Literal["older", "latest"] = "older",
        type: Literal["all", "pinned", "unread"] = "all",  # Shopee's parameter name
        next_timestamp_nano: str | None = None,
        page_size: int = 25,
    ) -> ConversationPage:
        query = {
            "direction": direction,
            "type": type,
            "next_timestamp_nano": next_timestamp_nano,
            "page_size": page_size,
        }
        result = self._call("GET", "/api/v2/sellerchat/get_conversation_list", query=query)
        page = result.get("page_result") or {}
        cursor = str((page.get("next_cursor") or {}).get("next_message_time_nano") or "")
        return ConversationPage(
            conversations=result.get("conversations") or [],
            more=bool(page.get("more")),
            next_timestamp_nano=cursor if cursor not in ("", "0") else None,
        )

    def get_one_conversation(self, conversation_id: str) -> dict[str, Any]:
        query = {"conversation_id": conversation_id}
        return self._call("GET", "/api/v2/sellerchat/get_one_conversation", query=query)

    def get_messages(
        self, conversation_id: str, offset: str | None = None, page_size: int = 25
    ) -> MessagePage:
        """One page of a conversation's messages, newest first; pass `next_offset` back for older ones."""
        query = {"conversation_id": conversation_id, "offset": offset or None, "page_size": page_size}
        result = self._call("GET", "/api/v2/sellerchat/get_message", query=query)
        messages = result.get("messages") or []
        page = result.get("page_result") or {}
        next_offset = str(page.get("next_offset") or "")
        more = page.get("more", bool(messages))
        return MessagePage(
            messages=messages, next_offset=next_offset if more and next_offset not in ("", "0") else None
        )

    def send_message(
        self,
        to_id: str,
        message_type: str = "text",
        content: Mapping[str, Any] | None = None,
        conversation_id: str | None = None,
        order_sn: str | None = None,
    ) -> dict[str, Any]:
        """Send one message to a buyer; returns the sent message. `order_sn` attaches the order
        reference Shopee requires on the first message to a buyer. Chat rules raise PlatformRule."""
        if content is None:
            raise ValueError("send_message needs content, e.g. {'text': ...}")
        body: dict[str, Any] = {"to_id": int(to_id), "message_type": message_type, "content": dict(content)}
        if conversation_id is not None:
            body["conversation_id"] = int(conversation_id)
        if order_sn is not None:
            body["source_content"] = {"order_sn": order_sn}
        return self._call("POST", "/api/v2/sellerchat/send_message", body=body)

    def upload_image(self, *, data: bytes, filename: str, content_type: str) -> dict[str, Any]:
        """The picture of an image message (multipart `file`; jpg/jpeg/png/gif, at most 2 MB by two
        sources, 10 MB by one: SHOPEE_API.md §5). Returns Shopee's answer: `url`, `thumbnail`, and
        where given `thumb_width`, `thumb_height`, `file_server_id`, `url_hash`; send it as
        `message_type="image"`, `content={"image_url": url}`."""
        files = {"file": (filename, data, content_type)}
        result = self._call("POST", "/api/v2/sellerchat/upload_image", files=files)
        if not isinstance(result.get("url"), str) or not result["url"]:
            raise BadRequest("upload_image answered without the picture's url")
        return result

    def read_conversation(self, conversation_id: str, last_read_message_id: str) -> None:
        body = {"conversation_id": int(conversation_id), "last_read_message_id": str(last_read_message_id)}
        self._call("POST", "/api/v2/sellerchat/read_conversation", body=body)

    def get_unread_conversation_count(self) -> int:
        """How many conversations (not messages) have unread messages."""
        result = self._call("GET", "/api/v2/sellerchat/get_unread_conversation_count")
        return int(result.get("total_unread_count") or 0)


# -- pushes ------------------------------------------------------------------------------------


def parse_push(raw_body: bytes) -> Push:
    """The push Shopee POSTed to our callback URL. Verify it first with `verify_push`.
    Raises ValueError when the body is not a push."""
    try:
        body = json.loads(raw_body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json can parse
        raise ValueError("push body is not JSON") from None
    if not isinstance(body, dict) or "code" not in body:
        raise ValueError("push body has no code")
    try:
        return _push_from(body)
    except (TypeError, AttributeError, OverflowError) as exc:  # e.g. "code": 1e400, "data": 5
        raise ValueError(f"push body is malformed: {exc}") from None


def _push_from(body: Mapping[str, Any]) -> Push:
    body = _ids_to_str(body)
    data = body.get("data") or {}
    if isinstance(data, str | bytes):  # lost pushes carry `data` as a JSON string
        data = _ids_to_str(json.loads(data))
    # Shop pushes carry shop_id; partner-level ones (codes 1, 2, 12) carry partner_id and may
    # name the shop inside data, sometimes spelled `shopid`.
    shop_id = next(
        (src[key] for src in (body, data) for key in ("shop_id", "shopid") if src.get(key) not in (None, "")),
        None,
    )
    msg_id = body.get("msg_id")
    return Push(
        code=int(body["code"]),
        shop_id=str(shop_id) if shop_id is not None else None,
        timestamp=int(body.get("timestamp") or 0),
        data=data,
        msg_id=str(msg_id) if msg_id not in (None, "") else None,
    )


# -- helpers -----------------------------------------------------------------------------------


class _Session(requests.Session):
    """Proxies and the CA bundle from the environment (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE…),
    read once per host for the process rather than on every call: requests reads the whole
    environment each time, a measurable share of a worker's own time per message."""

    _environment: ClassVar[dict[tuple[str, str], dict[str, Any]]] = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        asked = proxies or stream is not None or verify is not None or cert is not None
        own = self.proxies or self.verify is not True or self.cert is not None or self.stream
        if asked or own or not self.trust_env:  # settings of its own: read as requests does
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        key = tuple(urlsplit(url)[:2])
        if key not in self._environment:
            self._environment[key] = super().merge_environment_settings(url, {}, None, None, None)
        found = self._environment[key]
        return {**found, "proxies": dict(found["proxies"])}


def _pooled_session() -> requests.Session:
    session = _Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _token_pair(result: Mapping[str, Any], shop_id: int | str) -> TokenPair:
    return TokenPair(
        access_token=str(result["access_token"]),
        refresh_token=str(result["refresh_token"]),
        expire_in=int(result.get("expire_in") or 0),
        shop_id=str(shop_id),
    )


def _query_params(query: Mapping[str, Any]) -> dict[str, str]:
    """GET parameters as Shopee reads them: lists comma-joined, booleans lower-case, None left out."""
    params = {}
    for key, value in query.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list | tuple):
            value = ",".join(str(item) for item in value)
        params[key] = str(value)
    return params


def _with_query(url: str, params: Mapping[str, Any]) -> str:
    """`url` with `params` added to whatever query it already has, properly encoded."""
    # The existing query is kept byte for byte: re-encoding it could change what the caller meant.
    parts = urlsplit(url)
    extra = urlencode({key: str(value) for key, value in params.items()})
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def _compact(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not None}


def _document_orders(orders: Iterable[Mapping[str, Any]], document_type: str | None) -> list[dict[str, Any]]:
    """Shipping-document order entries without empty fields (Shopee refuses package_number "")."""
    entries = []
    for order in orders:
        entry = {key: value for key, value in order.items() if value not in (None, "")}
        if document_type and "shipping_document_type" not in entry:
            entry["shipping_document_type"] = document_type
        entries.append(entry)
    return entries


def _with_int_ids(details: Mapping[str, Any]) -> dict[str, Any]:
    """ship_order's address_id and branch_id are int64 to Shopee (pickup_time_id is a string)."""
    return {
        key: int(value) if key in ("address_id", "branch_id") and str(value).isdigit() else value
        for key, value in details.items()
    }


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_ID_KEYS = frozenset(
    {"shopid", "next_message_time_nano", "shop_expire_soon", "merchant_expire_soon", "user_expire_soon"}
)


def _is_id_key(key: str) -> bool:
    return key.endswith(("_id", "_id_list", "_ids")) or key in _ID_KEYS


def _str_ids(obj: dict[str, Any]) -> dict[str, Any]:
    """json object_hook doing `_ids_to_str` while parsing: one pass over each object, no second
    walk of a large answer (an order-detail page is thousands of values)."""
    for key, value in obj.items():
        kind = type(value)
        if kind is int and _is_id_key(key):
            obj[key] = str(value)
        elif kind is list and value and _is_id_key(key):
            obj[key] = [str(item) if type(item) is int else item for item in value]
    return obj


def _ids_to_str(value: Any, key: str = "") -> Any:
    """Integer ids (and the nanosecond chat cursor) as strings. Python's json parses integers
    exactly, so int64 conversation ids keep every digit on the way."""
    if isinstance(value, dict):
        return {k: _ids_to_str(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_ids_to_str(item, key) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and _is_id_key(key):
        return str(value)
    return value


def _redact(text: str, secrets: Iterable[str | None]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
