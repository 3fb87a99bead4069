"""Who may see and retry an outgoing message: its shop's salesperson and an all-shops manager;
anyone else gets 404."""

import pytest

from outbox.selectors import outgoing_for
from tests.factories import OutgoingMessageFactory
from tests.utils import assert_only_its_salesperson_and_a_manager_get

pytestmark = pytest.mark.django_db


def test_outgoing_for_gives_it_to_the_shops_salesperson_and_a_manager_and_404_to_other_staff(
    own_shop, salesperson, other_staff, manager
):
    assert_only_its_salesperson_and_a_manager_get(
        outgoing_for,
        OutgoingMessageFactory(shop=own_shop),
        salesperson=salesperson,
        other_staff=other_staff,
        manager=manager,
    )
