"""The payment domain events. Each is sent from exactly one place in services.py.

- ``payment_confirmed(sender, event, order)``: an order is paid in full, however it
  was paid. Sent once per order, inside the transaction that records it;
  receivers queue their work with ``transaction.on_commit``.
- ``payment_refunded(sender, event, order, refund)``: money went back to the
  buyer; ``refund.lines`` says which order lines and how much of each.
- ``stripe_refund_requested(sender, refund)``: a refund is to be issued at Stripe.
  Sent inside the transaction that records the refund; the receiver queues
  the Celery task that issues it once that transaction commits.
"""

from django.dispatch import Signal

payment_confirmed = Signal()
payment_refunded = Signal()
stripe_refund_requested = Signal()
