"""Seller Centre login (聊聊登入認證) and web chat, for shops whose chat the Open Platform does not
serve (Taiwan). Not a published API: see docs/SELLERCENTRE.md for what is known and from where.

    from shopee.sellercentre import SellerCentreClient, make_signer

    client = SellerCentreClient(seller_url=URL, main_url=URL, timeout=10,
                                signer=make_signer("none" | "page", seller_url=URL))
    state = client.login(account=..., password=..., device_id=shop_device_id)
    if isinstance(state, PendingLogin):               # Shopee wants the phone link
        state = client.verification_send(state)       # store it (encrypted); tell staff
        session = client.verification_confirm(state)  # after the tap; LinkNotTapped before
    session = client.chat_login(session)              # store session.to_dict() encrypted
    page = client.conversation_list(session)          # or conversations_since(session, since_nano=mark)
    client.message_list(session, conversation_id)
    client.message_send(session, to_id=..., conversation_id=..., text=..., request_id=outbox_key)
    client.message_send(session, to_id=..., text=..., request_id=..., order_sn=...)  # no chat yet
    client.message_find(session, conversation_id, outbox_key)   # the in-doubt check
    client.conversation_with(session, buyer_id, since_nano=...)  # the buyer's, or None
    client.conversation_read(session, conversation_id=..., last_read_message_id=...)
    client.user_sync(session)          # the cheap signal: SyncSignal(have_new_msg, unread_count)

No Django here.
"""

from shopee.sellercentre.client import PATHS, SellerCentreClient, new_device_id, password_hash
from shopee.sellercentre.errors import (
    AntiBotRefused,
    CaptchaRequired,
    InterfaceChanged,
    LinkExpired,
    LinkNotTapped,
    LoginError,
    SessionExpired,
    TooManyAttempts,
    WrongPassword,
)
from shopee.sellercentre.signers import PageSigner, PlainSigner, RawResponse, Signer, make_signer
from shopee.sellercentre.types import (
    PendingLogin,
    SellerCentreSession,
    SyncSignal,
    WebConversation,
    WebConversationPage,
    WebMessage,
)

__all__ = [
    "PATHS",
    "AntiBotRefused",
    "CaptchaRequired",
    "InterfaceChanged",
    "LinkExpired",
    "LinkNotTapped",
    "LoginError",
    "PageSigner",
    "PendingLogin",
    "PlainSigner",
    "RawResponse",
    "SellerCentreClient",
    "SellerCentreSession",
    "SessionExpired",
    "Signer",
    "SyncSignal",
    "TooManyAttempts",
    "WebConversation",
    "WebConversationPage",
    "WebMessage",
    "WrongPassword",
    "make_signer",
    "new_device_id",
    "password_hash",
]
