"""The checkout's domain event. Sent from exactly one place: ``views.PaymentDetailsView.place_order``.

- ``order_placing(sender, order, request)``: an order is being placed. Sent
  inside the transaction that writes the order, its payment record and its
  stock allocation, after the order and the payment record and before the
  stock (which is allocated last, so that its row locks are held only until
  the commit right after); ``sender`` is the checkout view's class,
  ``request`` the buyer's request (session, user, the place-order form).
  Receivers write what their app keeps about the order (the campaign it came
  from, the work unit it is for) in the same transaction, and lock no row
  that every order shares. Sent with ``send``, not ``send_robust``: a
  receiver that raises ``UnableToPlaceOrder`` refuses the order, checkout
  shows the preview again with the message, and nothing is written (the stock
  has not been touched yet).
"""

from django.dispatch import Signal

order_placing = Signal()
