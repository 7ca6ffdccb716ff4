"""Two producers in Oscar's dashboard: each sees and changes only its own products, stock and orders."""

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from oscar.core.loading import get_model

from producers.models import Producer, Shipment
from producers.services import producer_apply
from shop.dashboard.catalogue.forms import StockRecordForm
from tests.shop.payments.paying import awaiting_transfer, pay_in_full

from .factories import buyer, order, producer_user, staff_user

pytestmark = pytest.mark.django_db

Line = get_model("order", "Line")
OrderNote = get_model("order", "OrderNote")
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

A, B = "dongchuan-hongtudi", "xundian-lanfeng"
POTATO, PEANUT, GOAT = "YX-DC-001", "YX-DC-003", "YX-XD-001"  # 29.90, 39.80 (A); 118.00 (B)


@pytest.fixture
def user_a():
    return producer_user(partner_code=A)


@pytest.fixture
def user_b():
    return producer_user(partner_code=B)


def product(upc: str):
    return Product.objects.get(upc=upc)


def stockrecord(upc: str):
    return StockRecord.objects.get(product__upc=upc)


def product_url(upc: str) -> str:
    return reverse("dashboard:catalogue-product", kwargs={"pk": product(upc).pk})


def order_url(number: str) -> str:
    return reverse("dashboard:order-detail", kwargs={"number": number})


def line_url(line) -> str:
    return reverse(
        "dashboard:order-line-detail", kwargs={"number": line.order.number, "line_id": line.pk}
    )


def line_status_change(line: Any, *, status: str, quantity: int) -> dict[str, Any]:
    """The order page's form data that sets ``quantity`` units of ``line`` to ``status``."""
    return {
        "line_action": "change_line_statuses",
        "new_status": status,
        "selected_line": [str(line.pk)],
        f"selected_line_qty_{line.pk}": str(quantity),
    }


def paid_order(lines: list[tuple[str, int]], **fields: Any) -> Any:
    """An order paid the way the platform pays it: a bank transfer recorded by the payments service."""
    placed = awaiting_transfer(lines, **fields)
    pay_in_full(placed, by=None)
    placed.refresh_from_db()
    return placed


def form_data(form) -> dict:
    """What a browser would post back for a form as it is displayed."""
    data: dict = {}
    for field in form:
        value = field.value()
        if isinstance(value, bool):
            if value:
                data[field.html_name] = "on"
        elif value is not None:
            data[field.html_name] = value
            if field.field.show_hidden_initial:
                data[field.html_initial_name] = value
    return data


def product_form_data(client, upc: str) -> dict:
    """The product page's form and formsets, as the dashboard shows them, ready to post."""
    response = client.get(product_url(upc))
    assert response.status_code == 200
    data = form_data(response.context["form"])
    for name in ("stockrecord_formset", "category_formset", "image_formset", "recommended_formset"):
        formset = response.context[name]
        data.update(form_data(formset.management_form))
        for form in formset.forms:
            data.update(form_data(form))
    return data


def form_errors(response) -> list:
    """The product page's form and formset errors, to say why a post was not saved."""
    names = ("form", "stockrecord_formset", "category_formset", "image_formset")
    return [(name, response.context[name].errors) for name in names if response.context]


# ---------------------------------------------------------------- products and stock


def test_the_demo_prices_these_tests_count_with():
    assert [stockrecord(upc).price for upc in (POTATO, PEANUT, GOAT)] == [
        Decimal("29.90"),
        Decimal("39.80"),
        Decimal("118.00"),
    ]


def test_a_producer_lists_only_its_own_products(client, user_a):
    client.force_login(user_a)
    response = client.get(reverse("dashboard:catalogue-product-list"))
    assert response.status_code == 200
    listed = sorted(row.record.upc for row in response.context["products"].rows)
    assert listed == ["YX-DC-001", "YX-DC-002", "YX-DC-003", "YX-DC-004", "YX-DC-005"]
    assert product(GOAT).title not in response.content.decode()


def test_a_producers_dashboard_home_shows_no_whole_store_figures(client, user_a):
    client.force_login(user_a)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    assert "oscar/dashboard/index_nonstaff.html" in [t.name for t in response.templates]
    assert reverse("dashboard:producer-sales") in response.content.decode()


def test_a_producer_changes_its_own_price_and_stock(client, user_a):
    client.force_login(user_a)
    data = product_form_data(client, POTATO)
    data.update({"stockrecords-0-price": "31.50", "stockrecords-0-num_in_stock": "250"})
    response = client.post(product_url(POTATO), data)
    assert response.status_code == 302, form_errors(response)
    record = stockrecord(POTATO)
    assert (record.price, record.num_in_stock) == (Decimal("31.50"), 250)


def test_a_producer_gets_403_for_another_producers_product(client, user_a):
    client.force_login(user_a)
    title = product(GOAT).title
    assert client.get(product_url(GOAT)).status_code == 403
    assert client.post(product_url(GOAT), {"title": "改掉别人的商品"}).status_code == 403
    delete_url = reverse("dashboard:catalogue-product-delete", kwargs={"pk": product(GOAT).pk})
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url).status_code == 403
    assert product(GOAT).title == title
    # A product that does not exist is still not found.
    missing = reverse("dashboard:catalogue-product", kwargs={"pk": 999_999})
    assert client.get(missing).status_code == 404


def test_a_producer_gets_403_for_another_producers_stock_record(client, user_a):
    client.force_login(user_a)
    data = product_form_data(client, POTATO)
    theirs = stockrecord(GOAT)
    data.update(
        {
            "stockrecords-0-id": str(theirs.pk),
            "stockrecords-0-price": "1.00",
            "stockrecords-0-num_in_stock": "0",
        }
    )
    assert client.post(product_url(POTATO), data).status_code == 403
    theirs.refresh_from_db()
    assert (theirs.price, theirs.num_in_stock) == (Decimal("118.00"), 60)
    assert stockrecord(POTATO).price == Decimal("29.90")


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", "-1.00"), ("num_in_stock", "-5"), ("low_stock_threshold", "-1")],
)
def test_a_negative_price_or_stock_is_refused_and_nothing_saved(client, user_a, field, value):
    client.force_login(user_a)
    data = product_form_data(client, POTATO)
    data.update({"title": "东川红土地大洋芋 10kg", f"stockrecords-0-{field}": value})
    response = client.post(product_url(POTATO), data)
    assert response.status_code == 200
    errors = response.context["stockrecord_formset"].forms[0].errors.as_data()
    assert [error.code for error in errors[field]] == ["min_value"]
    record, potato = stockrecord(POTATO), product(POTATO)
    assert (record.price, record.num_in_stock, potato.title) == (
        Decimal("29.90"),
        300,
        "东川红土地大洋芋 5kg",
    )


def test_the_stock_record_form_says_what_is_wrong_with_a_negative_value(user_a):
    record = stockrecord(POTATO)
    data = {
        "partner": record.partner_id,
        "partner_sku": record.partner_sku,
        "price_currency": "CNY",
        "price": "-0.01",
        "num_in_stock": "-1",
    }
    form = StockRecordForm(record.product.get_product_class(), user_a, data=data, instance=record)
    assert not form.is_valid()
    assert form.errors["price"] == [gettext("The price cannot be negative.")]
    assert form.errors["num_in_stock"] == [gettext("The stock cannot be negative.")]


# ---------------------------------------------------------------- orders


def test_a_producer_gets_403_for_another_producers_order_line_and_shipping(client, user_a):
    theirs = order(lines=[(GOAT, 1)])
    line = theirs.lines.get()
    client.force_login(user_a)
    assert client.get(order_url(theirs.number)).status_code == 403
    assert client.get(line_url(line)).status_code == 403
    address_url = reverse("dashboard:order-shipping-address", kwargs={"number": theirs.number})
    assert client.get(address_url).status_code == 403
    response = client.post(
        order_url(theirs.number),
        {"order_action": "ship", "carrier": "顺丰速运", "tracking_number": "SF1000000001"},
    )
    assert response.status_code == 403
    assert not Shipment.objects.exists()
    # An order that does not exist is still not found.
    assert client.get(order_url("NO-SUCH-ORDER")).status_code == 404
    # And the order list does not show it.
    listed = client.get(reverse("dashboard:order-list")).context["orders"]
    assert theirs.number not in [o.number for o in listed]


def test_on_a_shared_order_a_producer_sees_and_acts_on_only_its_own_lines(client, user_a, user_b):
    shared = order(lines=[(POTATO, 2), (GOAT, 1)])
    own, other = shared.lines.get(partner__code=A), shared.lines.get(partner__code=B)
    OrderNote.objects.create(order=shared, user=user_b, message="寻甸黑山羊肉 已备货")
    client.force_login(user_a)

    response = client.get(order_url(shared.number))
    assert response.status_code == 200
    page = response.content.decode()
    assert [line.pk for line in response.context["lines"]] == [own.pk]
    assert response.context["lines_total"] == Decimal("59.80")
    assert own.title in page
    assert other.title not in page
    assert "118.00" not in page  # neither their line's price nor the order's total (177.80)
    assert "177.80" not in page

    assert client.get(line_url(own)).status_code == 200
    assert client.get(line_url(other)).status_code == 403

    change_theirs = line_status_change(other, status="Shipped", quantity=1)
    assert client.post(order_url(shared.number), change_theirs).status_code == 403
    other.refresh_from_db()
    assert other.status == "Pending payment"

    # Its own line it may act on, but not into a payment status: the payment sets those.
    change_own = line_status_change(own, status="Paid", quantity=2)
    assert client.post(order_url(shared.number), change_own).status_code == 302
    own.refresh_from_db()
    assert own.status == "Pending payment"

    # The order's status and its payments are the platform's, not a producer's.
    status_change = {"order_action": "change_order_status", "new_status": "Cancelled"}
    assert client.post(order_url(shared.number), status_change).status_code == 403
    shared.refresh_from_db()
    assert shared.status == "Paid"

    listed = client.get(reverse("dashboard:order-list")).context["orders"]
    assert [(o.number, o.partner_total, o.partner_items) for o in listed] == [
        (shared.number, Decimal("59.80"), 2)
    ]


def test_a_producer_ships_its_lines_and_the_buyer_sees_carrier_and_tracking_number(
    client, user_a, user_b
):
    customer = buyer()
    shared = paid_order([(POTATO, 1), (GOAT, 1)], user=customer)
    client.force_login(user_a)
    response = client.post(
        order_url(shared.number),
        {"order_action": "ship", "carrier": " 顺丰速运 ", "tracking_number": "SF1234567890"},
    )
    assert response.status_code == 302
    shipment = Shipment.objects.get()
    assert (shipment.order, shipment.producer.partner.code, shipment.by) == (shared, A, user_a)
    assert (shipment.carrier, shipment.tracking_number) == ("顺丰速运", "SF1234567890")
    assert "SF1234567890" in client.get(order_url(shared.number)).content.decode()

    # The other producer of the order does not see A's shipment as its own.
    client.force_login(user_b)
    response = client.get(order_url(shared.number))
    assert list(response.context["shipments"]) == []

    client.force_login(customer)
    page = client.get(reverse("customer:order", kwargs={"order_number": shared.number}))
    content = page.content.decode()
    assert "顺丰速运" in content and "SF1234567890" in content
    assert Producer.objects.get(partner__code=A).name in content


def test_a_guest_buyer_sees_the_shipment_on_the_order_status_page(client, user_a):
    guest_order = paid_order([(PEANUT, 1)], guest_email="guest@example.com")
    client.force_login(user_a)
    client.post(
        order_url(guest_order.number),
        {"order_action": "ship", "carrier": "中国邮政", "tracking_number": "EMS9876543210"},
    )
    client.logout()
    status_form = reverse(
        "customer:anon-order-form",
        kwargs={"order_number": guest_order.number, "hash": guest_order.verification_hash()},
    )
    response = client.post(status_form, {"email": "guest@example.com"}, follow=True)
    assert response.status_code == 200
    assert "oscar/customer/anon_order.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert "中国邮政" in content and "EMS9876543210" in content


def test_a_shipment_without_a_tracking_number_is_refused_and_nothing_saved(client, user_a):
    own = paid_order([(POTATO, 1)])
    client.force_login(user_a)
    response = client.post(
        order_url(own.number),
        {"order_action": "ship", "carrier": "顺丰速运", "tracking_number": "  "},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Shipment.objects.exists()


# ---------------------------------------------------------------- sales figures and reports


def sales_orders():
    order(lines=[(POTATO, 2), (GOAT, 1)])  # A 59.80, B 118.00
    order(lines=[(POTATO, 1), (PEANUT, 1)])  # A 29.90 + 39.80
    order(lines=[(PEANUT, 5)], status="Pending payment")  # not a sale yet
    order(lines=[(POTATO, 4), (GOAT, 2)], status="Cancelled")  # not a sale


def test_a_producers_sales_figures_count_only_its_own_lines(client, user_a, user_b):
    sales_orders()
    client.force_login(user_a)
    response = client.get(reverse("dashboard:producer-sales"))
    assert response.status_code == 200
    sales = response.context["sales"]
    assert (sales.order_count, sales.units, sales.total) == (2, 4, Decimal("129.50"))
    assert [
        (row["upc"], row["order_count"], row["units"], row["total"]) for row in sales.by_product
    ] == [(POTATO, 2, 3, Decimal("89.70")), (PEANUT, 1, 1, Decimal("39.80"))]
    assert product(GOAT).title not in response.content.decode()

    client.force_login(user_b)
    sales = client.get(reverse("dashboard:producer-sales")).context["sales"]
    assert (sales.order_count, sales.units, sales.total) == (1, 1, Decimal("118.00"))


def test_a_producers_order_statistics_count_only_its_own_lines(client, user_a):
    sales_orders()
    client.force_login(user_a)
    response = client.get(reverse("dashboard:order-stats"))
    assert response.status_code == 200
    # Every status, as Oscar's statistics count: 59.80 + 69.70 + 199.00 + 119.60.
    assert (response.context["total_orders"], response.context["total_lines"]) == (4, 5)
    assert response.context["total_revenue"] == Decimal("448.10")


def test_a_producer_is_refused_the_stores_reports(client, user_a):
    client.force_login(user_a)
    assert client.get(reverse("dashboard:reports-index")).status_code == 403


# ---------------------------------------------------------------- staff and the unapproved


def test_staff_still_see_every_producers_products_orders_and_sales(client):
    sales_orders()
    shared = order(lines=[(PEANUT, 1), (GOAT, 1)])
    client.force_login(staff_user())

    response = client.get(reverse("dashboard:catalogue-product-list"))
    listed = {row.record.upc for row in response.context["products"].rows}
    assert {POTATO, GOAT} <= listed
    assert client.get(product_url(GOAT)).status_code == 200

    page = client.get(order_url(shared.number)).content.decode()
    assert product(PEANUT).title in page and product(GOAT).title in page
    assert "157.80" in page  # the order's total
    orders = client.get(reverse("dashboard:order-list")).content.decode()
    assert shared.number in orders and "157.80" in orders

    sales = client.get(reverse("dashboard:producer-sales")).context["sales"]
    assert (sales.order_count, sales.units, sales.total) == (3, 7, Decimal("405.30"))
    assert {row["partner_name"] for row in sales.by_product} == {
        Producer.objects.get(partner__code=A).partner.name,
        Producer.objects.get(partner__code=B).partner.name,
    }


def test_a_producer_not_yet_approved_is_refused_the_dashboard(client):
    from django.contrib.auth import get_user_model
    from stdnum.cn import uscc

    from impact.models import Region

    applicant = get_user_model().objects.create_user(
        username="applicant", email="applicant@example.com", password="pass-123-word"
    )
    body = "93530128MA6N4P2X5"
    producer = producer_apply(
        user=applicant,
        name="禄劝待审核合作社",
        kind=Producer.Kind.COOPERATIVE,
        region=Region.objects.get(code="530128"),
        credit_code=body + uscc.calc_check_digit(body),
    )
    assert producer.status == Producer.Status.APPLIED
    client.force_login(applicant)
    for name in (
        "dashboard:index",
        "dashboard:catalogue-product-list",
        "dashboard:order-list",
        "dashboard:producer-sales",
    ):
        assert client.get(reverse(name)).status_code == 403, name

    client.logout()
    response = client.get(reverse("dashboard:producer-sales"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("dashboard:login"))


def _picture(fmt: str, size: tuple[int, int]) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 60)).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "saved"),
    [
        ("potato.png", _picture("PNG", (64, 64)), True),
        ("potato.png", b"this is not a picture at all", False),
        ("huge.bmp", _picture("BMP", (1400, 1400)), False),  # 5.9 MB
    ],
)
def test_product_pictures_must_be_images_of_at_most_5_mb(client, user_a, name, content, saved):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from oscar.core.loading import get_model

    ProductImage = get_model("catalogue", "ProductImage")
    client.force_login(user_a)
    response = client.get(product_url(POTATO))
    prefix = response.context["image_formset"].prefix
    index = len(response.context["image_formset"].initial_forms)
    data = product_form_data(client, POTATO)
    data[f"{prefix}-{index}-original"] = SimpleUploadedFile(name, content)
    before = ProductImage.objects.filter(product=product(POTATO)).count()
    response = client.post(product_url(POTATO), data)
    after = ProductImage.objects.filter(product=product(POTATO)).count()
    if saved:
        assert response.status_code == 302, form_errors(response)
        assert after == before + 1
    else:
        assert response.status_code == 200
        errors = response.context["image_formset"].forms[index].errors
        assert "original" in errors
        assert after == before
