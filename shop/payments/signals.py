"""The payment domain events. Each is sent from exactly one place in services.py.

- ``payment_confirmed(sender, event, order)``: an order is paid in full, however it
  was paid. Sent once per order, inside the transaction that records it;
  receivers queue their work with ``transaction.on_commit``.
- ``payment_refunded(sender, event, order, refund)``: money went back to the
  buyer; ``refund.lines`` says which order lines and how much of each.
"""

from django.dispatch import Signal

payment_confirmed = Signal()
payment_refunded = Signal()
