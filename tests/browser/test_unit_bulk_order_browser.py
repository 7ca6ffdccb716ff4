"""A canteen buyer in a real browser: uploads an order list, checks out by bank transfer, sees the order."""

import datetime

from django.utils import timezone
from oscar.core.loading import get_model

from demo.data import DEMO_CANTEEN_BUYER
from shop.units.models import UnitOrder

from .conftest import log_in, screenshot, ship_to

Order = get_model("order", "Order")

ORDER_LIST = "商品编码,数量,商品名称\r\nYX-DC-001,10,东川红土地大洋芋 5kg\r\nYX-DC-002,5,东川手工挂面 2kg\r\n"


def test_a_canteen_buyer_uploads_an_order_list_and_pays_by_transfer(demo_site, page, tmp_path):
    base = demo_site.url
    log_in(
        page,
        base,
        then="/shop/unit/quick-order/",
        username=DEMO_CANTEEN_BUYER["email"],
        password=DEMO_CANTEEN_BUYER["password"],
    )
    page.wait_for_selector("#order-list-upload-form")

    # A file with a bad row adds nothing and names the row.
    bad = tmp_path / "坏清单.csv"
    bad.write_bytes((ORDER_LIST + "YX-NOPE-1,3,\r\n").encode("gbk"))
    page.set_input_files("#order-list-upload-form input[type=file]", str(bad))
    page.click("#upload-order-list")
    page.wait_for_selector("#order-list-problems")
    assert (
        "第 4 行：没有编码为「YX-NOPE-1」的商品。"
        in page.locator("#order-list-problems").inner_text()
    )
    screenshot(page, "unit-order-list-rejected")

    good = tmp_path / "每周清单.csv"
    good.write_bytes(ORDER_LIST.encode("utf-8-sig"))
    page.set_input_files("#order-list-upload-form input[type=file]", str(good))
    page.click("#upload-order-list")
    page.wait_for_url(base + "/shop/basket/")
    basket = page.locator("#content_inner").inner_text()
    assert "已将 2 行（共 15 件）商品加入购物车。" in page.content()
    assert "东川红土地大洋芋 5kg" in basket and "东川手工挂面 2kg" in basket
    screenshot(page, "unit-basket-from-order-list")

    page.goto(base + "/shop/checkout/")
    page.wait_for_selector("#id_last_name")
    ship_to(page, name="东川区第一中学食堂", line1="铜都街道东川区第一中学")
    page.check("#method-transfer")
    page.click("#view_preview")
    page.wait_for_selector("#id_ship_within_days")
    page.select_option("#id_ship_within_days", "15")
    page.click("#place-order")

    page.wait_for_selector(".yx-payment-due")
    order = Order.objects.get(user__username=DEMO_CANTEEN_BUYER["username"])
    assert order.total_incl_tax == 459  # ¥299.00 + ¥160.00
    unit_order = UnitOrder.objects.get(order=order)
    ship_by = timezone.localdate(order.date_placed) + datetime.timedelta(days=15)
    assert (unit_order.ship_within_days, unit_order.ship_by) == (15, ship_by)
    thanks = page.locator("body").inner_text()
    assert "昆明市东川区第一中学" in thanks  # the unit's invoice title
    assert f"最晚发货日期: {ship_by.isoformat()}" in thanks
    screenshot(page, "unit-order-placed-by-transfer")

    page.goto(base + "/shop/unit/orders/")
    row = page.locator(".yx-unit-order", has_text=order.number)
    assert "银行转账（对公转账） · 待付款" in row.inner_text()
    page.goto(base + "/shop/unit/")
    assert page.locator("#unit-progress").is_visible()
    screenshot(page, "unit-home")
