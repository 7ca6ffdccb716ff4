"""No English catalogue string on the pages the browser tests visit, rendered in zh-hans.

Each page is requested with the Django test client as the user the browser tests use
for it; the test fails when its visible text holds an msgid of ours, Oscar's, Wagtail's
or Django's catalogue that has no zh_Hans translation (tests/common/untranslated.py),
listing page and string.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real
from oscar.core.loading import get_model

from cms.models import CampaignPage
from demo.orders import demo_order_place
from impact.models import Household, Region
from producers.models import Producer
from shop.payments.models import OrderPayment
from shop.payments.services import order_payment_open
from shop.units.services import unit_order_record
from tests.common.untranslated import untranslated_msgids, untranslated_on, visible_text
from tests.shop.checkout_flow import basket_add, checkout_to_preview, order_place

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
Order = get_model("order", "Order")


def _client(username: str | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if username is not None:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def _get(client: Client, url: str) -> str:
    response = client.get(url, follow=True)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.fixture
def orders() -> dict[str, Any]:
    """A transfer order of the canteen's unit, shipped by 红土地 (timeline with a shipment)."""
    User = get_user_model()
    canteen = User.objects.get(username="canteen")
    order = demo_order_place(buyer=canteen, lines=[("YX-DC-001", 2)], number="YX-ZH-0001")
    unit_order_record(order=order, user=canteen, ship_within_days=7)
    order_payment_open(order=order, method=OrderPayment.Method.TRANSFER)
    return {"unit_order": order}


def pages(orders: dict[str, Any]) -> Iterator[tuple[str, str | None, str]]:
    """(what, login, url) for every page the browser tests visit."""
    product = Product.objects.get(upc="YX-DC-001")
    campaign = CampaignPage.objects.filter(owner__username="zhibo").order_by("pk").first()
    assert campaign is not None
    village = Region.objects.get(name="花沟村", parent__name="红土地镇")
    household = Household.objects.filter(region=village).order_by("pk").first()
    assert household is not None
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    order = orders["unit_order"]
    yield "home", None, "/"
    yield "catalogue", None, reverse("catalogue:index")
    yield "product page", None, product.get_absolute_url()
    yield "producers", None, reverse("producers:list")
    yield "producer page", None, reverse("producers:detail", kwargs={"pk": producer.pk})
    yield "campaign page", None, campaign.url
    yield "public impact", None, reverse("impact:public")
    yield "login", None, reverse("customer:login")
    yield "my impact", "canteen", reverse("impact:mine")
    yield "order history", "canteen", reverse("customer:order-list")
    yield "order page", "canteen", reverse("customer:order", kwargs={"order_number": order.number})
    yield "unit home", "canteen", reverse("units:home")
    yield "unit orders", "canteen", reverse("units:orders")
    yield "unit order", "canteen", reverse("units:order", kwargs={"number": order.number})
    yield "quick order", "canteen", reverse("units:quick-order")
    yield "unit lists", "canteen", reverse("units:lists")
    yield (
        "unit certificate",
        "canteen",
        reverse("units:certificate", kwargs={"number": order.number}),
    )
    for login in ("hongtudi", "admin"):
        yield f"dashboard ({login})", login, reverse("dashboard:index")
        yield f"dashboard orders ({login})", login, reverse("dashboard:order-list")
        yield (
            f"dashboard order ({login})",
            login,
            reverse("dashboard:order-detail", kwargs={"number": order.number}),
        )
    yield "producer sales", "hongtudi", reverse("dashboard:producer-sales")
    yield "producer products", "hongtudi", reverse("dashboard:catalogue-product-list")
    yield (
        "producer product form",
        "hongtudi",
        reverse("dashboard:catalogue-product", kwargs={"pk": product.pk}),
    )
    yield "payments (finance)", "finance", reverse("payments-dashboard:list")
    yield "CMS home (monitoring)", "dc-county", "/cms/"
    yield "households", "dc-county", reverse("impact_households")
    yield "household page", "dc-county", reverse("impact_household", kwargs={"pk": household.pk})
    yield "impact reports", "dc-county", "/cms/impact/reports/"
    yield "notices", "dc-county", "/cms/impact/notices/"
    yield "CMS home (host)", "zhibo", "/cms/"
    yield "campaign console", "zhibo", reverse("cms_campaign_console", kwargs={"pk": campaign.pk})


def checkout_pages() -> Iterator[tuple[str, str]]:
    """(what, html) of a guest's basket, checkout steps, thank-you and order status page."""
    client = _client(None)
    basket_add(client, upc="YX-DC-001", quantity=1)
    yield "basket", _get(client, reverse("basket:summary"))
    yield "checkout", _get(client, reverse("checkout:index"))
    yield "shipping address", _get(client, reverse("checkout:shipping-address"))
    preview = checkout_to_preview(client, upc=None, quantity=0, email="guest@example.com")
    yield "preview", preview.content.decode()
    thank_you = client.get(order_place(client)["Location"], follow=True)
    yield "thank-you", thank_you.content.decode()
    order = Order.objects.order_by("-pk").first()
    assert order is not None and order.guest_email == "guest@example.com"
    anon = reverse(
        "customer:anon-order",
        kwargs={"order_number": order.number, "hash": order.verification_hash()},
    )
    guest = _client(None)
    prompt = guest.get(anon, follow=True)
    yield "guest order-status prompt", prompt.content.decode()
    status = guest.post(prompt.redirect_chain[-1][0], {"email": order.guest_email}, follow=True)
    assert status.redirect_chain[-1][0] == anon, status.redirect_chain
    yield "guest order page", status.content.decode()


def test_no_untranslated_catalogue_string_on_any_page(orders):
    found: list[str] = []
    for what, login, url in pages(orders):
        html = _get(_client(login), url)
        found += [f"{what} ({url}): {msgid!r}" for msgid in untranslated_on(html)]
    for what, html in checkout_pages():
        found += [f"{what}: {msgid!r}" for msgid in untranslated_on(html)]
    assert not found, "English in the zh-hans interface:\n" + "\n".join(found)


@contextmanager
def _translation_removed(msgid: str) -> Iterator[None]:
    """zh-hans without its translation of ``msgid``, for the length of the block."""
    catalog = trans_real.translation("zh-hans")._catalog
    removed = []
    for part in catalog._catalogs:
        if msgid in part:
            removed.append((part, part.pop(msgid)))
    untranslated_msgids.cache_clear()
    try:
        yield
    finally:
        for part, value in removed:
            part[msgid] = value
        untranslated_msgids.cache_clear()


def test_a_string_left_untranslated_is_reported_with_its_page(orders):
    """The test above can fail: without its translation, the order history's "Date submitted"
    shows in English and is reported."""
    client = _client("canteen")
    url = reverse("customer:order-list")
    with _translation_removed("Date submitted"):
        html = _get(client, url)
        assert "Date submitted" in visible_text(html)
        assert untranslated_on(html) == ["Date submitted"]
    html = _get(client, url)
    assert "提交时间" in visible_text(html)
    assert untranslated_on(html) == []


def test_translated_names_placeholders_and_brands_are_not_reported():
    with translation.override("zh-hans"):
        assert untranslated_on("<p>已付款 Stripe YX-DC-001 ¥29.90</p>") == []
    assert untranslated_on("<script>var s = 'Add to basket';</script>") == []
