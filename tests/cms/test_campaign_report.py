"""After the stream: sales by product, by sharer and by hour; CSV and XLSX with the same figures."""

import csv
import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import load_workbook

from cms.campaigns.services import campaign_sharer_add
from shop.payments.services import RefundLineRequest, order_refund_request

from .campaigns import make_campaign
from .orders import buy

pytestmark = pytest.mark.django_db

KUNMING = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def sold(client, django_capture_on_commit_callbacks):
    """A stream at 15:00 Kunming time today: two orders through a sharer at 15:20, one through
    the campaign code at 16:10 (refunded), one unpaid."""
    today = timezone.localdate()
    starts_at = datetime.datetime(today.year, today.month, today.day, 15, 0, tzinfo=KUNMING)
    with freeze_time(starts_at - datetime.timedelta(days=1)):
        campaign = make_campaign(
            starts_at=starts_at,
            code="REPORT",
            products=[("YX-DC-003", "35.80"), ("YX-DC-004", "52.00")],
        )
        sharer = campaign_sharer_add(
            campaign=campaign, name="志愿者甲", role="volunteer", code="REPORT-A"
        )
        campaign_sharer_add(
            campaign=campaign, name="店员乙", role="shop_assistant", code="REPORT-B"
        )
    fan, other, unpaid = client, type(client)(), type(client)()
    with (
        freeze_time(starts_at + datetime.timedelta(minutes=20)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        fan.get(f"/c/{sharer.code}/")
        buy(fan, upc="YX-DC-003", quantity=2, email="a@example.com")
        buy(fan, upc="YX-DC-004", quantity=1, email="a@example.com")
    with (
        freeze_time(starts_at + datetime.timedelta(minutes=70)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        other.get("/c/REPORT/")
        tea = buy(other, upc="YX-DC-004", quantity=1, email="b@example.com")
        unpaid.get("/c/REPORT/")
        buy(unpaid, upc="YX-DC-003", quantity=5, email="c@example.com", pay=False)
        order_refund_request(
            order=tea,
            lines=[RefundLineRequest(line_id=tea.lines.get().pk, quantity=1)],
            reason="买家退货",
            by=get_user_model().objects.get(username="admin"),
        )
    return campaign, starts_at


EXPECTED = {
    "totals": [
        ["订单数", "买家数", "销售件数", "销售额（已付款，扣除退款，元）"],
        ["3", "2", "3", "123.60"],
    ],
    "products": [
        ["商品编码", "商品名称", "销售件数", "销售额（已付款，扣除退款，元）"],
        ["YX-DC-003", "东川七彩花生 1kg", "2", "71.60"],
        ["YX-DC-004", "东川老鹰茶 250g", "1", "52.00"],
    ],
    "sharers": [
        ["代码", "分享员", "订单数", "买家数", "销售额（已付款，扣除退款，元）"],
        ["REPORT", "活动代码", "1", "1", "0.00"],
        ["REPORT-A", "志愿者甲", "2", "1", "123.60"],
        ["REPORT-B", "店员乙", "0", "0", "0.00"],
    ],
}


def test_report_page_shows_sales_by_product_sharer_and_hour(sold, client):
    campaign, starts_at = sold
    client.force_login(get_user_model().objects.get(username="admin"))
    response = client.get(f"/cms/campaigns/{campaign.pk}/report/")
    assert response.status_code == 200
    sections = {title: [header, *rows] for title, header, rows in response.context["sections"]}
    as_text = {title: [[str(v) for v in row] for row in rows] for title, rows in sections.items()}
    assert as_text["合计"] == EXPECTED["totals"]
    assert as_text["按商品"] == EXPECTED["products"]
    assert as_text["按分享员"] == EXPECTED["sharers"]
    day = starts_at.strftime("%Y-%m-%d")
    assert as_text["按小时"] == [
        ["时段", "订单数", "销售额（已付款，扣除退款，元）"],
        [f"{day} 15:00", "2", "123.60"],
        [f"{day} 16:00", "1", "0.00"],
    ]


def test_csv_and_xlsx_exports_carry_the_same_figures(sold, client):
    campaign, starts_at = sold
    client.force_login(get_user_model().objects.get(username="admin"))
    csv_response = client.get(f"/cms/campaigns/{campaign.pk}/report.csv")
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    text = csv_response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    sections: dict[str, list[list[str]]] = {}
    current = None
    for row in rows:
        if len(row) == 1:
            current = row[0]
            sections[current] = []
        elif row:
            sections[current].append(row)
    assert sections["合计"] == EXPECTED["totals"]
    assert sections["按商品"] == EXPECTED["products"]
    assert sections["按分享员"] == EXPECTED["sharers"]

    xlsx = client.get(f"/cms/campaigns/{campaign.pk}/report.xlsx")
    assert xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["合计", "按商品", "按分享员", "按小时"]
    for title, expected in (("合计", "totals"), ("按商品", "products"), ("按分享员", "sharers")):
        values = [
            [
                f"{cell.value:.2f}" if cell.number_format == "0.00" else str(cell.value)
                for cell in row
            ]
            for row in workbook[title].iter_rows()
        ]
        assert values == EXPECTED[expected]
    money_cell = workbook["合计"]["D2"]
    assert money_cell.value == pytest.approx(123.60) and money_cell.number_format == "0.00"
    hours = list(workbook["按小时"].iter_rows(values_only=True))
    assert [row[0] for row in hours[1:]] == [
        f"{starts_at:%Y-%m-%d} 15:00",
        f"{starts_at:%Y-%m-%d} 16:00",
    ]


def test_sharer_figures_on_the_console(sold, client):
    campaign, _ = sold
    client.force_login(get_user_model().objects.get(username="admin"))
    response = client.get(f"/cms/campaigns/{campaign.pk}/")
    assert response.status_code == 200
    figures = {
        row["sharer"].code: (row["figures"] or {}).get("orders", 0)
        for row in response.context["sharers"]
    }
    assert figures == {"REPORT-A": 2, "REPORT-B": 0}
