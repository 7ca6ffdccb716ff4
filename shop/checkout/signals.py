"""The checkout's domain event. Sent from exactly one place: ``views.PaymentDetailsView.place_order``.

- ``order_placing(sender, order, request)``: an order is being placed. Sent
  inside the transaction that writes the order, its stock allocation and its
  payment record, after all three; ``sender`` is the checkout view's class,
  ``request`` the buyer's request (session, user, the place-order form).
  Receivers write what their app keeps about the order (the campaign it came
  from, the work unit it is for) in the same transaction. Sent with ``send``,
  not ``send_robust``: a receiver that raises ``UnableToPlaceOrder`` refuses
  the order, checkout shows the preview again with the message, and nothing
  is written.
"""

from django.dispatch import Signal

order_placing = Signal()
