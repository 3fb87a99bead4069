"""Receivers of the signals of the apps below (connected in book.apps): each only queues the
book's own task."""

from book.tasks import book_cancellations


def orders_cancelled(sender, *, shop_pk: int, order_sns: list[str], **kwargs) -> None:
    book_cancellations.delay(shop_pk, list(order_sns))
