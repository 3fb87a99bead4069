"""Seller chat endpoints (sellerchat/*)."""

from __future__ import annotations

from typing import Any

from shopee.sandbox import chat, media
from shopee.sandbox.api import ApiCall, endpoint
from shopee.sandbox.state import Conversation

DEFAULT_PAGE_SIZE = 25


def _conversation(call: ApiCall) -> Conversation:
    return chat.shop_conversation(call.core, call.shop, call.integer("conversation_id", required=True))


@endpoint("/api/v2/sellerchat/get_conversation_list", "GET")
def get_conversation_list(call: ApiCall) -> dict[str, Any]:
    return chat.conversation_page(
        call.core,
        call.shop,
        direction=call.text("direction", required=True, choices=("latest", "older")),
        kind=call.text("type", required=True, choices=("all", "pinned", "unread")),
        cursor_ns=call.integer("next_timestamp_nano", low=0),
        page_size=call.integer(
            "page_size", default=DEFAULT_PAGE_SIZE, low=1, high=call.core.config.conversation_page_size_max
        ),
    )


@endpoint("/api/v2/sellerchat/get_one_conversation", "GET")
def get_one_conversation(call: ApiCall) -> dict[str, Any]:
    return chat.conversation_json(call.core, _conversation(call))


@endpoint("/api/v2/sellerchat/get_message", "GET")
def get_message(call: ApiCall) -> dict[str, Any]:
    return chat.message_page(
        call.core,
        _conversation(call),
        offset=call.text("offset"),
        page_size=call.integer(
            "page_size", default=DEFAULT_PAGE_SIZE, low=1, high=call.core.config.message_page_size_max
        ),
    )


@endpoint("/api/v2/sellerchat/send_message", "POST")
def send_message(call: ApiCall) -> dict[str, Any]:
    core = call.core
    message = chat.send_message(
        core,
        call.shop,
        to_id=call.integer("to_id", required=True, low=1),
        message_type=call.text("message_type", required=True),
        content=call.arg("content"),
        source_content=call.arg("source_content"),
    )
    faults = core.faults
    if faults.hang_seconds > 0 and faults.hang_count != 0:
        # Accept-then-hang: the buyer has the message, the caller hears nothing until it times out.
        call.hang_seconds = faults.hang_seconds
        if faults.hang_count is not None:
            faults.hang_count -= 1
    shown = chat.message_json(core, message)
    return {
        key: shown[key]
        for key in ("message_id", "to_id", "message_type", "content", "conversation_id", "created_timestamp")
    } | {"message_option": 0, "region": shown["region"]}


@endpoint("/api/v2/sellerchat/upload_image", "POST", multipart=True)
def upload_image(call: ApiCall) -> dict[str, Any]:
    upload = media.upload_store(call.core, call.shop, call.files.get("file"), via="open_platform")
    return media.upload_json(call.core, upload)


@endpoint("/api/v2/sellerchat/read_conversation", "POST")
def read_conversation(call: ApiCall) -> dict[str, Any]:
    chat.read_up_to(call.core, _conversation(call), call.text("last_read_message_id", required=True))
    return {}


@endpoint("/api/v2/sellerchat/get_unread_conversation_count", "GET")
def get_unread_conversation_count(call: ApiCall) -> dict[str, Any]:
    return {"total_unread_count": chat.unread_conversation_count(call.core, call.shop)}
