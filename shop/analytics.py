"""Oscar's analytics counters, recorded off the request path.

Oscar's ``analytics`` app updates a row on every product view and every basket addition
(``ProductRecord`` per product, ``UserRecord`` per signed-in user, plus a
``UserProductView`` row per view). During a livestream rush every buyer updates the same
product's row, and each waits for the one before. ``SHOP_ANALYTICS`` chooses:

- ``batched`` (the default): a view or an addition adds 1 to a counter in the cache (an
  atomic increment, Redis in production); the beat task ``shop.tasks.analytics_flush``
  (every minute) takes what has been counted and writes it with one UPDATE per product
  and per user. Oscar's dashboard reports read the rows as before, up to a minute late.
- ``off``: nothing is recorded for views and basket additions.
- ``oscar``: Oscar's own receivers, a row update per view on the request path.

Purchases (``order_placed``, after the order's commit: ``shop/checkout/receivers.py``) are
counted the same way in ``batched`` mode: the units of each product go to a counter in the
cache, so a product everyone buys does not make every order wait to update its row; the
buyer's own ``UserRecord`` (one row per buyer, never hot) is updated as Oscar does. In the
other two modes Oscar records purchases as released.

How the counters are found again with the cache's API alone: the request that creates a
counter (``cache.add`` succeeds for exactly one) appends its name to an index
(``seq`` + one key per entry); the flush moves new index entries into the list of known
counters and takes each counter's value by decrementing it by what it read, so an
increment made meanwhile is kept for the next flush. A counter found at 0 (idle for a
run) is deleted and forgotten, so the list stays the size of a minute's activity. Counts waiting in the cache are lost
if the cache is emptied; they are analytics, not money.
"""

import logging
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from oscar.apps.analytics import receivers as oscar_receivers
from oscar.core.loading import get_model

logger = logging.getLogger("yixiang.shop")

MODES = ("batched", "off", "oscar")

_PREFIX = "shop:analytics:"
_SEQ = _PREFIX + "seq"  # the number of index entries ever written
_DONE = _PREFIX + "done"  # index entries the flush has already read
_KNOWN = _PREFIX + "known"  # counter names the flush reads each time (written by the flush only)
_LOCK = _PREFIX + "flush-lock"
_CHUNK = 500
_GRACE = 100

# Counter kinds: what a counter named "<kind>:<ident>" adds to.
PRODUCT_VIEWS = "pv"  # ProductRecord.num_views, ident = product id
PRODUCT_BASKET_ADDITIONS = "pb"  # ProductRecord.num_basket_additions
USER_PRODUCT_VIEWS = "uv"  # UserRecord.num_product_views, ident = user id
USER_BASKET_ADDITIONS = "ub"  # UserRecord.num_basket_additions
USER_PRODUCT_VIEW_ROWS = "upv"  # UserProductView rows, ident = "<user id>.<product id>"
PRODUCT_PURCHASES = "pp"  # ProductRecord.num_purchases (units), ident = product id

_PRODUCT_FIELDS = {
    PRODUCT_VIEWS: "num_views",
    PRODUCT_BASKET_ADDITIONS: "num_basket_additions",
    PRODUCT_PURCHASES: "num_purchases",
}
_USER_FIELDS = {
    USER_PRODUCT_VIEWS: "num_product_views",
    USER_BASKET_ADDITIONS: "num_basket_additions",
}


def _key(name: str) -> str:
    return _PREFIX + "c:" + name


def analytics_count(*, kind: str, ident: int | str, amount: int = 1) -> None:
    """Add ``amount`` to a counter in the cache: no database query."""
    name = f"{kind}:{ident}"
    key = _key(name)
    try:
        if cache.add(key, amount, timeout=None):
            _index_append(name)
            return
        cache.incr(key, amount)
    except ValueError:
        # Evicted between add and incr: start it again (and index it again; the flush dedups).
        if cache.add(key, amount, timeout=None):
            _index_append(name)
        else:
            cache.incr(key, amount)


def _index_append(name: str) -> None:
    cache.add(_SEQ, 0, timeout=None)
    number = cache.incr(_SEQ)
    cache.set(f"{_PREFIX}i:{number}", name, timeout=None)


def analytics_product_viewed(*, product: Any, user: Any) -> None:
    analytics_count(kind=PRODUCT_VIEWS, ident=product.pk)
    if user is not None and user.is_authenticated:
        analytics_count(kind=USER_PRODUCT_VIEWS, ident=user.pk)
        analytics_count(kind=USER_PRODUCT_VIEW_ROWS, ident=f"{user.pk}.{product.pk}")


def analytics_basket_addition(*, product: Any, user: Any) -> None:
    analytics_count(kind=PRODUCT_BASKET_ADDITIONS, ident=product.pk)
    if user is not None and user.is_authenticated:
        analytics_count(kind=USER_BASKET_ADDITIONS, ident=user.pk)


def analytics_order_placed(*, order: Any, user: Any) -> None:
    """A placed order (after its commit): its units counted per product in the cache, and the
    buyer's ``UserRecord`` updated at once, as Oscar's receiver does."""
    for product_id, quantity in order.lines.values_list("product_id", "quantity"):
        if product_id is not None:  # a line whose product has since been deleted
            analytics_count(kind=PRODUCT_PURCHASES, ident=product_id, amount=quantity)
    if user is not None and user.is_authenticated:
        oscar_receivers._record_user_order(user, order)


def _known_counters() -> list[str]:
    """The names of every counter created so far: the known list plus new index entries.

    An entry numbered but not yet written (its request is between ``incr`` and ``set``)
    stops the reading there, to be read next time; one missing further back than
    ``_GRACE`` entries was evicted, and is passed over.
    """
    names = set(cache.get(_KNOWN) or [])
    done: int = cache.get(_DONE) or 0
    last: int = cache.get(_SEQ) or 0
    if last < done:  # the index was emptied (a cache restart): start it again
        done = 0
    read_up_to = done
    for start in range(done + 1, last + 1, _CHUNK):
        numbers = range(start, min(start + _CHUNK, last + 1))
        entries = cache.get_many([f"{_PREFIX}i:{number}" for number in numbers])
        for number in numbers:
            entry = entries.get(f"{_PREFIX}i:{number}")
            if entry is None and number > last - _GRACE:
                break
            if entry is not None:
                names.add(entry)
            read_up_to = number
        if read_up_to < numbers[-1]:
            break
    known = sorted(names)
    cache.set(_KNOWN, known, timeout=None)
    cache.set(_DONE, read_up_to, timeout=None)
    cache.delete_many([f"{_PREFIX}i:{number}" for number in range(done + 1, read_up_to + 1)])
    return known


def _take(names: list[str]) -> tuple[dict[str, int], list[str]]:
    """Each counter's value, taken out of the cache (decremented by what was read); and the
    counters found at 0 or gone, idle since the last run."""
    taken: dict[str, int] = {}
    idle: list[str] = []
    for start in range(0, len(names), _CHUNK):
        chunk = names[start : start + _CHUNK]
        values = cache.get_many([_key(name) for name in chunk])
        for name in chunk:
            value = values.get(_key(name))
            if not value:
                idle.append(name)
                continue
            try:
                cache.decr(_key(name), value)
            except ValueError:  # evicted since it was read: it is gone either way
                idle.append(name)
                continue
            taken[name] = value
    return taken, idle


def _forget(known: list[str], idle: list[str]) -> None:
    """Idle counters leave the cache and the known list, so both stay the size of a minute's
    activity; the next increment of one starts it (and indexes it) again. An increment made
    between the read and the delete is lost: a few microseconds, once a minute at most."""
    if not idle:
        return
    cache.delete_many([_key(name) for name in idle])
    gone = set(idle)
    cache.set(_KNOWN, [name for name in known if name not in gone], timeout=None)


def _give_back(taken: dict[str, int]) -> None:
    for name, value in taken.items():
        analytics_count(kind=name.split(":", 1)[0], ident=name.split(":", 1)[1], amount=value)


def analytics_counters_flush() -> dict[str, int]:
    """Write the counted views and basket additions to Oscar's analytics rows.

    One UPDATE per product and per user (an INSERT for one without a row yet), one bulk
    INSERT of the users' product views; in one transaction. If it fails, what was taken
    goes back to the cache for the next run. Returns how many rows of each were written.
    """
    if not cache.add(_LOCK, 1, timeout=300):
        return {"products": 0, "users": 0, "views": 0}
    try:
        known = _known_counters()
        taken, idle = _take(known)
        _forget(known, idle)
        if not taken:
            return {"products": 0, "users": 0, "views": 0}
        try:
            written = _write(taken)
        except Exception:
            _give_back(taken)
            raise
        logger.info("analytics counters flushed: %s", written)
        return written
    finally:
        cache.delete(_LOCK)


def _write(taken: dict[str, int]) -> dict[str, int]:
    ProductRecord = get_model("analytics", "ProductRecord")
    UserRecord = get_model("analytics", "UserRecord")
    UserProductView = get_model("analytics", "UserProductView")
    Product = get_model("catalogue", "Product")
    User = UserRecord._meta.get_field("user").related_model

    products: dict[int, dict[str, int]] = defaultdict(dict)
    users: dict[int, dict[str, int]] = defaultdict(dict)
    views: list[tuple[int, int, int]] = []
    for name, value in taken.items():
        kind, ident = name.split(":", 1)
        if kind in _PRODUCT_FIELDS:
            products[int(ident)][_PRODUCT_FIELDS[kind]] = value
        elif kind in _USER_FIELDS:
            users[int(ident)][_USER_FIELDS[kind]] = value
        elif kind == USER_PRODUCT_VIEW_ROWS:
            viewer, viewed = ident.split(".")
            views.append((int(viewer), int(viewed), value))

    with transaction.atomic():
        existing_products = set(
            Product.objects.filter(pk__in=products).values_list("pk", flat=True)
        )
        for product_id, counts in sorted(products.items()):
            if product_id not in existing_products:
                continue  # deleted since it was viewed
            if not ProductRecord.objects.filter(product_id=product_id).update(
                **{column: F(column) + count for column, count in counts.items()}
            ):
                ProductRecord.objects.create(product_id=product_id, **counts)
        existing_users = set(
            User.objects.filter(pk__in={*users, *(v[0] for v in views)}).values_list(
                "pk", flat=True
            )
        )
        for user_id, counts in sorted(users.items()):
            if user_id not in existing_users:
                continue
            if not UserRecord.objects.filter(user_id=user_id).update(
                **{column: F(column) + count for column, count in counts.items()}
            ):
                UserRecord.objects.create(user_id=user_id, **counts)
        rows = [
            UserProductView(user_id=user_id, product_id=product_id)
            for user_id, product_id, count in views
            if user_id in existing_users and product_id in existing_products
            for _ in range(count)
        ]
        UserProductView.objects.bulk_create(rows)
    return {
        "products": len(existing_products & set(products)),
        "users": len(existing_users & set(users)),
        "views": len(rows),
    }


def analytics_receivers_connect() -> None:
    """Put ours in place of Oscar's view and basket receivers (``ShopConfig.ready``, once).

    Ours read ``SHOP_ANALYTICS`` on every signal, so a test (or a settings change) picks
    the mode without reconnecting anything.
    """
    from oscar.apps.basket.signals import basket_addition
    from oscar.apps.catalogue.signals import product_viewed

    product_viewed.disconnect(oscar_receivers.receive_product_view)
    basket_addition.disconnect(oscar_receivers.receive_basket_addition)
    product_viewed.connect(_product_viewed, dispatch_uid="shop_analytics_product_viewed")
    basket_addition.connect(_basket_addition, dispatch_uid="shop_analytics_basket_addition")


def _product_viewed(sender: Any, product: Any, user: Any, **kwargs: Any) -> None:
    mode = settings.SHOP_ANALYTICS
    if mode == "batched" and not kwargs.get("raw", False):
        analytics_product_viewed(product=product, user=user)
    elif mode == "oscar":
        oscar_receivers.receive_product_view(sender, product=product, user=user, **kwargs)


def _basket_addition(sender: Any, product: Any, user: Any, **kwargs: Any) -> None:
    mode = settings.SHOP_ANALYTICS
    if mode == "batched" and not kwargs.get("raw", False):
        analytics_basket_addition(product=product, user=user)
    elif mode == "oscar":
        oscar_receivers.receive_basket_addition(sender, product=product, user=user, **kwargs)
