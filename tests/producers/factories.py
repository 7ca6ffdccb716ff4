"""Producer users, staff and orders for the producers tests (on top of the demo data)."""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from producers.models import Producer

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")

PASSWORD = "producer-pass-4821"
_sequence = itertools.count(1)


def dashboard_access() -> Permission:
    return Permission.objects.get(codename="dashboard_access", content_type__app_label="partner")


def producer_user(*, partner_code: str, email: str | None = None):
    """A user of an approved producer, with Oscar's partner dashboard access."""
    number = next(_sequence)
    user = get_user_model().objects.create_user(
        username=f"producer-user-{number}",
        email=email or f"producer-user-{number}@example.com",
        password=PASSWORD,
    )
    partner = Partner.objects.get(code=partner_code)
    partner.users.add(user)
    Producer.objects.filter(partner=partner).update(status=Producer.Status.APPROVED)
    user.user_permissions.add(dashboard_access())
    return user


def staff_user():
    number = next(_sequence)
    return get_user_model().objects.create_superuser(
        username=f"staff-{number}", email=f"staff-{number}@example.com", password=PASSWORD
    )


def buyer(email: str = "buyer@example.com"):
    return get_user_model().objects.create_user(
        username=f"buyer-{next(_sequence)}", email=email, password=PASSWORD
    )


def order(*, lines: list[tuple[str, int]], status: str = "Paid", user=None, **fields) -> Order:
    """An order of demo products by UPC and quantity, placed the way checkout places it."""
    basket = Basket.objects.create(owner=user)
    # Oscar's default strategy: these tests are about the dashboard, not who may sell.
    basket.strategy = Default()
    for upc, quantity in lines:
        basket.add_product(Product.objects.get(upc=upc), quantity=quantity)
    placed = create_order(basket=basket, user=user, **fields)
    placed.status = status
    placed.save(update_fields=["status"])
    placed.refresh_from_db()
    return placed
