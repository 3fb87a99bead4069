"""The admin shows each staff member the rows of the shops they may see, as the pages do:
conversations, messages, push receipts, quick replies and orders of other salespeople's shops are
neither listed nor opened."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from chat.models import PushReceipt, QuickReply
from tests.factories import ConversationFactory, MessageFactory, OrderFactory

pytestmark = pytest.mark.django_db

MODELS = ["chat.conversation", "chat.message", "chat.pushreceipt", "chat.quickreply", "orders.order"]


@pytest.fixture
def rows(own_shop, others_shop):
    """Per shop one of each, labelled with the shop's owner so a page shows whose it is."""
    made = {}
    for owner, shop in (("mine", own_shop), ("theirs", others_shop)):
        conversation = ConversationFactory(shop=shop, buyer_name=f"buyer-{owner}")
        made[owner] = {
            "chat.conversation": conversation,
            "chat.message": MessageFactory(conversation=conversation, text=f"text-{owner}"),
            "chat.pushreceipt": PushReceipt.objects.create(
                digest=f"digest-{owner}", code=3, shopee_shop_id=shop.shop_id, body={}
            ),
            "chat.quickreply": QuickReply.objects.create(title=f"reply-{owner}", text="您好", shop=shop),
            "orders.order": OrderFactory(shop=shop, order_sn=f"ORDER{owner.upper()}"),
        }
    made["shared"] = QuickReply.objects.create(title="reply-shared", text="感謝您", shop=None)
    return made


def admin_as(user, *codenames: str) -> Client:
    for label in MODELS:
        app, model = label.split(".")
        for action in codenames:
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app, codename=f"{action}_{model}")
            )
    client = Client()
    client.force_login(user)
    return client


def changelist(label: str) -> str:
    return reverse(f"admin:{label.replace('.', '_')}_changelist")


def change(label: str, pk: int) -> str:
    return reverse(f"admin:{label.replace('.', '_')}_change", args=[pk])


@pytest.mark.parametrize("label", MODELS)
def test_staff_see_in_the_admin_only_their_shops_rows(rows, salesperson, label):
    client = admin_as(salesperson, "view")
    mine, theirs = rows["mine"][label], rows["theirs"][label]

    listed = client.get(changelist(label))

    assert listed.status_code == 200
    assert mine.pk in {row.pk for row in listed.context["cl"].result_list}
    assert theirs.pk not in {row.pk for row in listed.context["cl"].result_list}
    assert "寶寶生活館" not in listed.text  # not even the other shop's name, e.g. in a filter
    assert client.get(change(label, mine.pk)).status_code == 200
    assert client.get(change(label, theirs.pk)).status_code == 302  # "does not exist", back to the index


@pytest.mark.parametrize("label", MODELS)
def test_staff_who_see_every_shop_see_every_row_in_the_admin(rows, manager, label):
    client = admin_as(manager, "view")

    listed = {row.pk for row in client.get(changelist(label)).context["cl"].result_list}

    assert {rows["mine"][label].pk, rows["theirs"][label].pk} <= listed


def test_a_salesperson_adds_quick_replies_only_for_their_own_shops(rows, salesperson, own_shop, others_shop):
    client = admin_as(salesperson, "view", "add", "change")
    url = reverse("admin:chat_quickreply_add")
    form = {"title": "到貨通知", "text": "您的商品已到貨", "position": 0}

    for_others = client.post(url, {**form, "shop": others_shop.pk})
    shared = client.post(url, {**form, "shop": ""})
    for_own = client.post(url, {**form, "shop": own_shop.pk})

    assert for_others.status_code == 200 and for_others.context["adminform"].form.errors["shop"]
    assert shared.status_code == 200 and shared.context["adminform"].form.errors["shop"]
    assert for_own.status_code == 302
    assert list(QuickReply.objects.filter(title="到貨通知").values_list("shop", flat=True)) == [own_shop.pk]
    # The shared replies are listed for them, but not theirs to change.
    assert client.get(change("chat.quickreply", rows["shared"].pk)).context["has_change_permission"] is False
