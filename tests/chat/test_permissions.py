"""Who may open a conversation: its shop's salesperson and an all-shops manager; anyone else gets 404."""

import pytest

from chat.selectors import conversation_for
from tests.factories import ConversationFactory
from tests.utils import assert_only_its_salesperson_and_a_manager_get

pytestmark = pytest.mark.django_db


def test_conversation_for_gives_it_to_the_shops_salesperson_and_a_manager_and_404_to_other_staff(
    own_shop, salesperson, other_staff, manager
):
    assert_only_its_salesperson_and_a_manager_get(
        conversation_for,
        ConversationFactory(shop=own_shop),
        salesperson=salesperson,
        other_staff=other_staff,
        manager=manager,
    )
