"""factory_boy factories for rows tests write straight into the database.

Rows made here have no sandbox behind them: a test that needs Shopee to know the shop verifies it
through accounts.services.shop_verify with a sandbox code instead (see tests/chat/helpers.py).
"""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Shop
from chat.models import Conversation, Message
from orders.models import Order
from outbox.models import OutgoingMessage


class ShopFactory(DjangoModelFactory):
    """A shop account as staff typed it in: unverified, no Shopee id, no tokens.

    Tokens, when a test needs them, are passed in plain text (access_token="…"): the
    EncryptedTextField encrypts them on the way to the database."""

    class Meta:
        model = Shop

    name = factory.Sequence(lambda n: f"測試賣場{n}")
    # These rows test what the product does with the Open Platform's state; the Seller Centre
    # transport (TW's default) is tested on its own (tests/chat/test_transport_sellercentre.py).
    chat_transport = Shop.ChatTransport.OPEN_PLATFORM

    class Params:
        # Verified as far as our database knows; Shopee ids are strings.
        verified = factory.Trait(
            state=Shop.State.VERIFIED,
            shop_id=factory.Sequence(lambda n: str(600_000_000 + n)),
            account=factory.Sequence(lambda n: f"shop{n}"),
        )


class ConversationFactory(DjangoModelFactory):
    class Meta:
        model = Conversation

    shop = factory.SubFactory(ShopFactory, verified=True)
    conversation_id = factory.Sequence(lambda n: str(10**17 + n))
    buyer_id = factory.Sequence(lambda n: str(700_000_000 + n))
    buyer_name = "小明"


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    shop = factory.SelfAttribute("conversation.shop")
    message_id = factory.Sequence(lambda n: str(8_000_000_000 + n))
    from_buyer = True
    text = "請問有貨嗎?"
    created_at = factory.LazyFunction(timezone.now)


class OutgoingMessageFactory(DjangoModelFactory):
    """A reply in the outbox, queued unless told otherwise."""

    class Meta:
        model = OutgoingMessage

    shop = factory.SubFactory(ShopFactory, verified=True)
    buyer_id = "500000001"
    text = "馬上處理"
    origin = OutgoingMessage.Origin.REPLY
    idempotency_key = factory.Sequence(lambda n: f"factory:{n}")


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    shop = factory.SubFactory(ShopFactory, verified=True)
    order_sn = factory.Sequence(lambda n: f"2411{n:06d}")
    status = "READY_TO_SHIP"
    created_on_shopee = factory.LazyFunction(timezone.now)
