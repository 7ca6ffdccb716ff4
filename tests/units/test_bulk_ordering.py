"""Bulk ordering: quick-order rows, CSV/XLSX order lists, saved lists; every row checked, all or nothing."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook
from oscar.core.loading import get_model

from producers.models import Certificate
from shop.units.models import OrderList

from . import factories

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
StockRecord = get_model("partner", "StockRecord")

HEADER = "商品编码,数量,商品名称\r\n"
GOOD_ROWS = "YX-DC-001,10,东川红土地大洋芋 5kg\r\nYX-DC-002,5,\r\nyx-lq-003,12,\r\n"


def basket_of(user) -> dict[str, int]:
    basket = Basket.open.filter(owner=user).first()
    if basket is None:
        return {}
    return {line.product.upc: line.quantity for line in basket.lines.select_related("product")}


def expire_certification(upc: str) -> datetime.date:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Certificate.objects.filter(product__upc=upc, kind="certification").update(
        valid_from=yesterday - datetime.timedelta(days=365), valid_to=yesterday
    )
    return yesterday


def problems(response) -> list[str]:
    return [str(problem) for problem in response.context["problems"]]


@pytest.fixture
def buyer():
    return factories.member(of=factories.unit(), role="buyer")


def upload(client, content: bytes, name: str, **extra):
    return client.post(
        "/shop/unit/quick-order/upload/",
        {"file": SimpleUploadedFile(name, content), **extra},
    )


# ---------------------------------------------------------------------- quick order


def test_quick_order_rows_go_into_the_basket(buyer):
    client = factories.client_for(buyer)
    assert client.get("/shop/unit/quick-order/").status_code == 200
    response = client.post(
        "/shop/unit/quick-order/",
        {"code_1": "YX-DC-001", "quantity_1": "10", "code_3": " yx-xd-002 ", "quantity_3": "4"},
    )
    assert (response.status_code, response["Location"]) == (302, "/shop/basket/")
    assert basket_of(buyer) == {"YX-DC-001": 10, "YX-XD-002": 4}
    page = client.get("/shop/basket/").content.decode()
    assert "2 lines (14 items) were added to your basket." in page


def test_quick_order_with_bad_rows_adds_nothing_and_reports_every_row(buyer):
    expired = expire_certification("YX-MX-003")
    StockRecord.objects.filter(product__upc="YX-XD-003").update(num_in_stock=40, num_allocated=38)
    client = factories.client_for(buyer)
    response = client.post(
        "/shop/unit/quick-order/",
        {
            "code_1": "YX-DC-001",
            "quantity_1": "10",
            "code_2": "YX-NOPE-9",
            "quantity_2": "1",
            "code_3": "YX-MX-003",
            "quantity_3": "2",
            "code_4": "YX-XD-003",
            "quantity_4": "3",
            "code_5": "YX-DC-002",
            "quantity_5": "0",
            "code_6": "YX-DC-003",
            "quantity_6": "1.5",
            "code_7": "yx-dc-001",
            "quantity_7": "1",
            "code_8": "",
            "quantity_8": "4",
            "code_9": "YX-LQ-002",
            "quantity_9": "",
        },
    )
    assert response.status_code == 400
    assert problems(response) == [
        "Row 2: there is no product with the code “YX-NOPE-9”.",
        f"Row 3: “重瓣玫瑰花茶 100g” is not on sale: Poverty-relief product certification expired on {expired.isoformat()}.",
        "Row 4: not enough stock of “寻甸散养土鸡 1只”: 2 can be bought.",
        "Row 5: the quantity “0” is not a whole number from 1 to 9999.",
        "Row 6: the quantity “1.5” is not a whole number from 1 to 9999.",
        "Row 7: “YX-DC-001” is already on row 1; give its total quantity on one row.",
        "Row 8: enter a product code.",
        "Row 9: enter a quantity.",
    ]
    html = response.content.decode()
    assert "Nothing was added to the basket." in html
    assert basket_of(buyer) == {}
    assert not OrderList.objects.filter(unit=buyer.work_unit_membership.unit).exists()


def test_stock_already_in_the_basket_counts(buyer):
    StockRecord.objects.filter(product__upc="YX-XD-001").update(num_in_stock=10, num_allocated=0)
    client = factories.client_for(buyer)
    client.post("/shop/unit/quick-order/", {"code_1": "YX-XD-001", "quantity_1": "8"})
    response = client.post("/shop/unit/quick-order/", {"code_1": "YX-XD-001", "quantity_1": "3"})
    assert problems(response) == [
        "Row 1: not enough stock of “寻甸黑山羊肉 1kg”: 2 more can be bought (your basket already holds 8)."
    ]
    assert basket_of(buyer) == {"YX-XD-001": 8}


def test_an_empty_quick_order_is_refused(buyer):
    response = factories.client_for(buyer).post("/shop/unit/quick-order/", {})
    assert response.status_code == 400
    assert problems(response) == ["Row 1: The list has no product rows."]


def test_quick_order_errors_are_in_chinese_by_default(buyer):
    client = factories.client_for(buyer)
    del client.cookies["django_language"]
    response = client.post("/shop/unit/quick-order/", {"code_1": "YX-NOPE-9", "quantity_1": "x"})
    assert problems(response) == [
        "第 1 行：数量「x」无效，应为 1 到 9999 之间的整数。",
        "第 1 行：没有编码为「YX-NOPE-9」的商品。",
    ]


# ---------------------------------------------------------------------- uploads


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-8", "清单.csv"), ("utf-8-sig", "list.CSV"), ("gbk", "采购清单.csv")],
)
def test_a_csv_order_list_in_any_of_excels_encodings_goes_into_the_basket(buyer, encoding, name):
    client = factories.client_for(buyer)
    response = upload(client, (HEADER + GOOD_ROWS).encode(encoding), name)
    assert (response.status_code, response["Location"]) == (302, "/shop/basket/")
    assert basket_of(buyer) == {"YX-DC-001": 10, "YX-DC-002": 5, "YX-LQ-003": 12}


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_order_list_goes_into_the_basket_and_is_saved_as_a_list(buyer):
    content = xlsx([["商品编码", "数量"], ["YX-DC-001", 10], [None, None], ["YX-XD-002", 4.0]])
    client = factories.client_for(buyer)
    response = upload(client, content, "每周.xlsx", list_name="每周一")
    assert response.status_code == 302
    assert basket_of(buyer) == {"YX-DC-001": 10, "YX-XD-002": 4}
    saved = OrderList.objects.get(name="每周一")
    assert saved.unit == buyer.work_unit_membership.unit
    assert [(line.product.upc, line.quantity) for line in saved.lines.all()] == [
        ("YX-DC-001", 10),
        ("YX-XD-002", 4),
    ]


def test_an_order_list_with_bad_rows_adds_nothing_and_reports_each_by_its_excel_row(buyer):
    content = xlsx(
        [
            ["商品编码", "数量"],
            ["YX-DC-001", 10],
            ["YX-UNKNOWN", 1],
            [None, None],
            ["YX-DC-002", -2],
            ["YX-DC-003", 999999],
        ]
    )
    client = factories.client_for(buyer)
    response = upload(client, content, "list.xlsx", list_name="坏清单")
    assert response.status_code == 400
    assert problems(response) == [
        "Row 3: there is no product with the code “YX-UNKNOWN”.",
        "Row 5: the quantity “-2” is not a whole number from 1 to 9999.",
        "Row 6: the quantity “999999” is not a whole number from 1 to 9999.",
    ]
    assert basket_of(buyer) == {}
    assert not OrderList.objects.filter(unit=buyer.work_unit_membership.unit).exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"YX-DC-001,1", "list.txt", "Upload a CSV or XLSX file; “list.txt” is neither."),
        (b"%PDF-1.4", "list.pdf", "Upload a CSV or XLSX file; “list.pdf” is neither."),
        (
            b"code;amount\nYX-DC-001;1\n",
            "list.csv",
            "Row 1 should be the header with the columns “商品编码” and “数量”.",
        ),
        (
            b"not a workbook",
            "list.xlsx",
            "The file cannot be read: 无法读取 XLSX 文件，请确认文件未损坏",
        ),
        (
            b"\xff\xfe\x00\x00\x81",
            "list.csv",
            "The file cannot be read: 无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码",
        ),
        (b"", "list.csv", "The file is empty: row 1 should be the header."),
    ],
)
def test_a_file_that_is_not_an_order_list_is_refused(buyer, content, name, message):
    response = upload(factories.client_for(buyer), content, name)
    assert response.status_code == 400
    assert response.context["upload_form"].errors["file"] == [message]
    assert basket_of(buyer) == {}


def test_a_file_over_2_mb_is_refused(buyer):
    content = (HEADER + "YX-DC-001,1,\r\n" * 180_000).encode()
    assert len(content) > 2 * 1024 * 1024
    response = upload(factories.client_for(buyer), content, "big.csv")
    assert response.status_code == 400
    assert response.context["upload_form"].errors["file"] == [
        "The file is larger than 2 MB; split the list into parts."
    ]
    assert basket_of(buyer) == {}


def test_the_template_is_a_csv_excel_opens_in_chinese(buyer):
    response = factories.client_for(buyer).get("/shop/unit/quick-order/template.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith(
        "\ufeff商品编码,数量,商品名称（可不填）\r\nYX-DC-001,10,东川红土地大洋芋 5kg\r\n"
    )


# ---------------------------------------------------------------------- saved lists


def test_a_saved_list_is_ordered_again_in_one_click(buyer):
    client = factories.client_for(buyer)
    client.post(
        "/shop/unit/quick-order/",
        {
            "code_1": "YX-DC-001",
            "quantity_1": "10",
            "code_2": "YX-DC-002",
            "quantity_2": "5",
            "list_name": "周一食材",
        },
    )
    saved = OrderList.objects.get(name="周一食材")
    Basket.open.filter(owner=buyer).delete()  # the order went through; next week, again:
    listing = client.get("/shop/unit/lists/").content.decode()
    assert "周一食材" in listing
    response = client.post(f"/shop/unit/lists/{saved.pk}/basket/")
    assert (response.status_code, response["Location"]) == (302, "/shop/basket/")
    assert basket_of(buyer) == {"YX-DC-001": 10, "YX-DC-002": 5}


def test_a_saved_list_that_no_longer_fits_the_stock_adds_nothing(buyer):
    client = factories.client_for(buyer)
    client.post(
        "/shop/unit/quick-order/",
        {
            "code_1": "YX-DC-001",
            "quantity_1": "10",
            "code_2": "YX-XD-003",
            "quantity_2": "5",
            "list_name": "土鸡",
        },
    )
    Basket.open.filter(owner=buyer).delete()
    StockRecord.objects.filter(product__upc="YX-XD-003").update(num_in_stock=4, num_allocated=0)
    saved = OrderList.objects.get(name="土鸡")
    response = client.post(f"/shop/unit/lists/{saved.pk}/basket/", follow=True)
    assert basket_of(buyer) == {}
    html = response.content.decode()
    assert "Row 2: not enough stock of “寻甸散养土鸡 1只”: 4 can be bought." in html
    assert "Nothing from the list “土鸡” was added to the basket." in html


def test_a_list_is_deleted_by_post(buyer):
    client = factories.client_for(buyer)
    client.post(
        "/shop/unit/quick-order/", {"code_1": "YX-DC-001", "quantity_1": "1", "list_name": "试"}
    )
    saved = OrderList.objects.get(name="试")
    assert client.get(f"/shop/unit/lists/{saved.pk}/delete/").status_code == 405
    assert client.post(f"/shop/unit/lists/{saved.pk}/delete/").status_code == 302
    assert not OrderList.objects.filter(pk=saved.pk).exists()


# ---------------------------------------------------------------------- who may order in bulk


def test_only_buyers_and_administrators_of_an_approved_unit_order_in_bulk():
    approved = factories.unit()
    finance = factories.member(of=approved, role="finance")
    applied_buyer = factories.member(of=factories.unit(status="applied"))
    rows = {"code_1": "YX-DC-001", "quantity_1": "1"}
    for user in (finance, applied_buyer, factories.user()):
        client = factories.client_for(user)
        assert client.get("/shop/unit/quick-order/").status_code == 403
        assert client.post("/shop/unit/quick-order/", rows).status_code == 403
        assert basket_of(user) == {}
    administrator = factories.member(of=approved, role="administrator")
    assert (
        factories.client_for(administrator).post("/shop/unit/quick-order/", rows).status_code == 302
    )
    anonymous = factories.client_for(factories.user())
    anonymous.logout()
    response = anonymous.get("/shop/unit/quick-order/")
    assert response.status_code == 302
    assert "login" in response["Location"]
