"""The product page shows its proof before purchase: the certification, the producer, and
what one unit bought today would make due to registered households (issue #19).

Figures come from the demo's data (demo/data.py): 东川老鹰茶 250g (YX-DC-004) costs ¥58.00 and
its producer's links give 8% (employment) + 5% (dividend) of every line and 20% (purchase) of
this product's: 33% of ¥58.00 = ¥19.14, to 3 households. 东川红土地大洋芋 5kg (YX-DC-001) at
¥29.90: ¥3.00 a unit + 8% (¥2.392) + 5% (¥1.495) = ¥6.887, ¥6.89 to the fen, to 3 households.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from demo.data import CERTIFIER
from impact.ledger.receipts import product_unit_projection
from impact.models import AttributionEntry
from producers.models import BenefitLink, Certificate
from tests.producers.factories import staff_user
from tests.shop.payments.paying import awaiting_transfer, pay_in_full

Product = get_model("catalogue", "Product")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_day")]

# The demo producer's credit code: its made-up body and the GB 32100 check character.
HONGTUDI_CREDIT_CODE = "93530113MA6K2Q8P1R"


def _page(client, upc: str) -> str:
    response = client.get(Product.objects.get(upc=upc).get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _text(html: str, css_class: str) -> str:
    match = re.search(rf'class="[^"]*\b{css_class}\b[^"]*"[^>]*>(.*?)</(dd|p)>', html, re.S)
    assert match, f"no {css_class} on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match[1]).split())


def test_the_page_shows_the_certification_number_issuer_and_validity(client):
    today = timezone.localdate()
    html = _page(client, "YX-DC-004")
    assert _text(html, "yx-cert-number") == f"FP{today.year}-YX-DC-004"
    assert _text(html, "yx-cert-issuer") == CERTIFIER == "昆明市农业农村局（演示）"
    validity = _text(html, "yx-cert-validity")
    # Dates with dots: a phone's line never breaks inside one (it would at a hyphen).
    assert f"{today.year}.01.01" in validity
    assert (today + datetime.timedelta(days=20)).strftime("%Y.%m.%d") in validity


def test_the_page_shows_the_producer_its_credit_code_county_and_story(client):
    html = _page(client, "YX-DC-004")
    assert _text(html, "yx-origin-producer").startswith("东川红土地生态农业专业合作社")
    assert _text(html, "yx-credit-code") == HONGTUDI_CREDIT_CODE
    assert _text(html, "yx-origin-county") == "东川区红土地镇"
    assert 'href="/stories/hongtudi-potatoes/"' in html


def test_a_producer_without_a_story_page_gets_no_story_link(client):
    html = _page(client, "YX-XD-001")
    assert "yx-story-link" not in html
    assert "yx-credit-code" in html


def test_the_page_projects_what_one_unit_makes_due_to_households(client):
    projection = _text(_page(client, "YX-DC-004"), "yx-projection")
    assert "¥19.14" in projection
    assert re.search(r"\b3\b", projection)
    projection = _text(_page(client, "YX-DC-001"), "yx-projection")
    assert "¥6.89" in projection


@pytest.mark.parametrize(("upc", "price"), [("YX-DC-004", "58.00"), ("YX-DC-001", "29.90")])
def test_the_projection_is_what_the_ledger_books_for_one_unit_paid(
    django_capture_on_commit_callbacks, upc, price
):
    # One unit bought and paid by bank transfer; the ledger writes its attribution on commit.
    with django_capture_on_commit_callbacks(execute=True):
        order = awaiting_transfer([(upc, 1)])
        pay_in_full(order, by=staff_user())
    line = order.lines.get()
    assert line.line_price_incl_tax == Decimal(price)
    booked = AttributionEntry.objects.filter(line=line)
    product = Product.objects.get(upc=upc)
    projection = product_unit_projection(
        partner_id=line.partner_id,
        product_id=product.pk,
        price=Decimal(price),
        on=timezone.localdate(),
    )
    assert projection.amount == sum(entry.amount for entry in booked)
    assert projection.households == len({entry.household_id for entry in booked}) == 3
    assert projection.amount == {"YX-DC-004": Decimal("19.14"), "YX-DC-001": Decimal("6.89")}[upc]


def test_a_link_that_has_ended_is_not_projected():
    tea = Product.objects.get(upc="YX-DC-004")
    today = timezone.localdate()
    ended = BenefitLink.objects.get(product=tea, kind="purchase")
    BenefitLink.objects.filter(pk=ended.pk).update(valid_to=today - datetime.timedelta(days=1))
    projection = product_unit_projection(
        partner_id=tea.stockrecords.get().partner_id,
        product_id=tea.pk,
        price=Decimal("58.00"),
        on=today,
    )
    assert projection.amount == Decimal("7.54")  # 13% of ¥58.00
    assert projection.households == 2


def test_a_product_without_links_projects_nothing():
    potato = Product.objects.get(upc="YX-DC-001")
    projection = product_unit_projection(
        partner_id=potato.stockrecords.get().partner_id + 1000,
        product_id=potato.pk,
        price=Decimal("29.90"),
        on=timezone.localdate(),
    )
    assert projection.amount == Decimal("0.00")
    assert projection.households == 0
    assert not projection.reaches_anyone


def test_an_uncertified_product_says_so_and_projects_nothing(client):
    tea = Product.objects.get(upc="YX-DC-004")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Certificate.objects.filter(product=tea, kind=Certificate.Kind.CERTIFICATION).update(
        valid_to=yesterday
    )
    html = _page(client, "YX-DC-004")
    assert "yx-cert-none" in html
    assert "yx-projection" not in html
    assert "yx-buy-bar" not in html  # not on sale: no 加入购物车 / 立即购买


def test_buy_now_adds_to_the_basket_and_goes_to_checkout(client):
    tea = Product.objects.get(upc="YX-DC-004")
    html = _page(client, "YX-DC-004")
    assert 'name="next" value="/shop/checkout/"' in html
    response = client.post(
        f"/shop/basket/add/{tea.pk}/", {"quantity": 2, "next": "/shop/checkout/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/shop/checkout/"
    basket = client.get("/shop/basket/").context["basket"]
    assert [(line.product.upc, line.quantity) for line in basket.all_lines()] == [("YX-DC-004", 2)]


def test_buy_now_refuses_a_next_address_off_the_site(client):
    tea = Product.objects.get(upc="YX-DC-004")
    response = client.post(
        f"/shop/basket/add/{tea.pk}/",
        {"quantity": 1, "next": "https://evil.example/"},
        HTTP_REFERER="http://testserver" + tea.get_absolute_url(),
    )
    assert response.status_code == 302
    assert response["Location"] == "http://testserver" + tea.get_absolute_url()
