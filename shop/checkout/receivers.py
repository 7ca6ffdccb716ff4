"""Where checkout listens: Oscar's purchase counters are written once the order has committed.

Oscar's analytics app adds each order's quantities to the product's ``ProductRecord`` on
``order_placed``, which Oscar's ``OrderCreator`` sends from inside the checkout's
transaction. That row is one per product, as hot as the stock row when everyone buys the
same product, and its UPDATE would keep it locked until the commit. After the commit,
each UPDATE is a transaction of its own; an order that rolls back counts nothing. With
``SHOP_ANALYTICS = "batched"`` the products' units are counted in the cache instead, and
written by the beat's flush (``shop/analytics.py``).
"""

from typing import Any

from django.conf import settings
from django.db import transaction
from oscar.apps.analytics import receivers as analytics
from oscar.apps.order.signals import order_placed

from shop.analytics import analytics_order_placed


def purchases_record_on_commit(sender: Any, order: Any, user: Any, **kwargs: Any) -> None:
    def record() -> None:
        if settings.SHOP_ANALYTICS == "batched":
            analytics_order_placed(order=order, user=user)
        else:
            analytics.receive_order_placed(sender=sender, order=order, user=user, **kwargs)

    transaction.on_commit(record, robust=True)  # analytics never fail a placed order


def purchases_receiver_connect() -> None:
    """Oscar's receiver of ``order_placed`` replaced by the one above (the analytics app,
    listed before checkout in INSTALLED_APPS, has connected it)."""
    if order_placed.disconnect(analytics.receive_order_placed):
        order_placed.connect(
            purchases_record_on_commit, dispatch_uid="checkout_purchases_on_commit"
        )
