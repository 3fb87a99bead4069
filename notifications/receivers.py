"""Receivers of the signals of the apps below (connected in notifications.apps)."""

from notifications.services import auto_notice_converted


def order_converted(sender, *, book_order, order, user=None, **kwargs) -> None:
    """A conversion to shipment (sent after commit, once per converted order): its automatic notice."""
    auto_notice_converted(order=order, book_order=book_order, user=user)
