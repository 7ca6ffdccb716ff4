"""Oscar's analytics counters off the request path (SHOP_ANALYTICS, shop/analytics.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from oscar.core.loading import get_model

from shop.analytics import PRODUCT_VIEWS, _key, analytics_count
from shop.tasks import analytics_flush

Product = get_model("catalogue", "Product")
ProductRecord = get_model("analytics", "ProductRecord")
UserRecord = get_model("analytics", "UserRecord")
UserProductView = get_model("analytics", "UserProductView")

pytestmark = pytest.mark.django_db


def _record(product) -> tuple[int, int]:
    record = ProductRecord.objects.filter(product=product).first()
    return (record.num_views, record.num_basket_additions) if record else (0, 0)


@pytest.fixture
def flushed():
    """Counts other tests left in the cache are written (to rows this test rolls back)."""
    analytics_flush()


def test_views_and_additions_are_counted_in_the_cache_and_written_by_the_beat_task(
    client, flushed, django_assert_num_queries
):
    tea = Product.objects.get(upc="YX-DC-004")
    potatoes = Product.objects.get(upc="YX-DC-001")
    # Both have their row already (whether the demo's orders made one depends on the run).
    for product in (tea, potatoes):
        ProductRecord.objects.get_or_create(product=product)
    before_tea, before_potatoes = _record(tea), _record(potatoes)
    for _ in range(3):
        client.get(tea.get_absolute_url())
    client.post(reverse("basket:add", kwargs={"pk": tea.pk}), {"quantity": 1})
    client.post(reverse("basket:add", kwargs={"pk": potatoes.pk}), {"quantity": 2})
    client.post(reverse("basket:add", kwargs={"pk": potatoes.pk}), {"quantity": 1})
    # Nothing written on the request path.
    assert (_record(tea), _record(potatoes)) == (before_tea, before_potatoes)

    # One query for the products that still exist, one UPDATE per product (a product without
    # its row would add an INSERT; no users here), and the test transaction's SAVEPOINT and
    # RELEASE.
    with django_assert_num_queries(1 + 2 + 2):
        written = analytics_flush()
    assert written == {"products": 2, "users": 0, "views": 0}
    assert _record(tea) == (before_tea[0] + 3, before_tea[1] + 1)
    assert _record(potatoes) == (before_potatoes[0], before_potatoes[1] + 2)
    # Taken out of the cache: a second run writes nothing.
    assert analytics_flush() == {"products": 0, "users": 0, "views": 0}
    assert _record(tea) == (before_tea[0] + 3, before_tea[1] + 1)


def test_a_signed_in_buyers_views_reach_the_user_record_and_view_history(client, flushed):
    user = get_user_model().objects.create_user("viewer", "viewer@example.com", "pw-viewer-1")
    client.force_login(user)
    tea = Product.objects.get(upc="YX-DC-004")
    client.get(tea.get_absolute_url())
    client.get(tea.get_absolute_url())
    client.post(reverse("basket:add", kwargs={"pk": tea.pk}), {"quantity": 1})
    assert not UserRecord.objects.filter(user=user).exists()
    assert analytics_flush() == {"products": 1, "users": 1, "views": 2}
    record = UserRecord.objects.get(user=user)
    assert (record.num_product_views, record.num_basket_additions) == (2, 1)
    assert UserProductView.objects.filter(user=user, product=tea).count() == 2


def test_off_records_nothing(client, flushed, settings):
    settings.SHOP_ANALYTICS = "off"
    tea = Product.objects.get(upc="YX-DC-004")
    before = _record(tea)
    client.get(tea.get_absolute_url())
    client.post(reverse("basket:add", kwargs={"pk": tea.pk}), {"quantity": 1})
    assert analytics_flush() == {"products": 0, "users": 0, "views": 0}
    assert _record(tea) == before


def test_oscar_updates_the_row_on_the_request_as_oscar_does(client, flushed, settings):
    settings.SHOP_ANALYTICS = "oscar"
    tea = Product.objects.get(upc="YX-DC-004")
    before = _record(tea)
    client.get(tea.get_absolute_url())
    assert _record(tea) == (before[0] + 1, before[1])
    assert analytics_flush() == {"products": 0, "users": 0, "views": 0}


def test_counts_for_a_product_deleted_since_are_dropped(flushed):
    gone = Product.objects.order_by("-pk").first().pk + 1000
    analytics_count(kind=PRODUCT_VIEWS, ident=gone, amount=4)
    assert analytics_flush() == {"products": 0, "users": 0, "views": 0}
    assert not ProductRecord.objects.filter(product_id=gone).exists()
    assert analytics_flush() == {"products": 0, "users": 0, "views": 0}  # taken all the same


def test_an_idle_counter_is_forgotten_and_starts_again_when_counted(client, flushed):
    tea = Product.objects.get(upc="YX-DC-004")
    before = _record(tea)
    counter = _key(f"{PRODUCT_VIEWS}:{tea.pk}")
    client.get(tea.get_absolute_url())
    assert analytics_flush()["products"] == 1
    assert cache.get(counter) == 0  # taken, kept until a run finds it idle
    assert analytics_flush()["products"] == 0
    assert cache.get(counter) is None
    client.get(tea.get_absolute_url())
    client.get(tea.get_absolute_url())
    assert analytics_flush()["products"] == 1
    assert _record(tea) == (before[0] + 3, before[1])
