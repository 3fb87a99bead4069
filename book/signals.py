"""What the order book tells the apps above it (sent with orders.signals.send_on_commit).

`order_converted_to_shipment` is sent once per order when the book converts it to a shipment
(轉出貨), after the transaction commits; a repeated conversion sends nothing.
Arguments: `sender` BookOrder, `book_order` (state shipped, tracking number and sender set),
`order` (the orders.Order), `user` (who converted it, or None).
The automatic shipping notice hangs off it.
"""

from django.dispatch import Signal

order_converted_to_shipment = Signal()
