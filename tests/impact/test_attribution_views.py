"""Where people see the ledger: the household page, the order page, the export, the buyer's receipt, the demo."""

import datetime
import io
import re
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from oscar.core.loading import get_model

from impact.ledger.receipts import Receipt, order_impact_receipt
from impact.models import AttributionEntry, Household, SalesLevelChange
from impact.monitoring.assessment import households_reassess
from impact.reporting.exports import ATTRIBUTION_COLUMNS, impact_export
from producers.models import BenefitLink, Producer
from shop.payments.models import PaymentEvent
from shop.payments.services import (
    RefundLineRequest,
    order_refund_request,
)
from tests.impact.exported import every_byte, read_csv
from tests.impact.factories import county_staff
from tests.impact.paying_out import payout_add, payout_dispute
from tests.producers.factories import buyer, producer_user, staff_user
from tests.shop.checkout_flow import basket_add, checkout_to_payment, order_place
from tests.shop.payments.paying import awaiting_transfer, pay_in_full

pytestmark = pytest.mark.django_db

D = Decimal
Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")
SHANGHAI = ZoneInfo("Asia/Shanghai")
# 东川老鹰茶 250g (¥58.00) reaches three 东川 households: 530113-0007 buys the tea (20%),
# 530113-0004 works for the cooperative (8%), 530113-0005 takes its dividend (5%).
TEA = "YX-DC-004"
TEA_PRODUCER = "东川红土地生态农业专业合作社"


def pay(order, capture, *, staff=None):
    """Record the full transfer; the attribution task runs on commit (eagerly)."""
    with capture(execute=True):
        pay_in_full(order, by=staff or staff_user())
    order.refresh_from_db()
    return order


def refund(order, capture, *, quantity: int, staff=None):
    line = order.lines.order_by("pk").first()
    with capture(execute=True):
        order_refund_request(
            order=order,
            lines=[RefundLineRequest(line_id=line.pk, quantity=quantity)],
            reason="",
            by=staff or staff_user(),
        )


def text(html: str) -> str:
    """What the page reads as, tags stripped and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def household(code: str) -> Household:
    return Household.objects.get(code=code)


def masked(number: str) -> str:
    return number[:6] + "********" + number[-4:]


# ---------------------------------------------------------------- the household page


def test_the_household_page_lists_its_attributions_and_income_by_year_and_source(
    client, django_capture_on_commit_callbacks
):
    order = pay(awaiting_transfer([(TEA, 2)]), django_capture_on_commit_callbacks)
    client.force_login(staff_user())
    tea_buyer = household("530113-0007")

    response = client.get(f"/cms/impact/households/{tea_buyer.pk}/")

    assert response.status_code == 200
    assert [
        (e.line.title, e.link.producer.name, e.line.order.number, e.amount, e.income_source, e.kind)
        for e in response.context["attributions"]
    ] == [("东川老鹰茶 250g", TEA_PRODUCER, order.number, D("23.20"), "operating", "attribution")]
    year = timezone.localdate().year
    assert [(y.year, y.sources, y.total) for y in response.context["attributed_years"]] == [
        (year, [D("0.00"), D("23.20"), D("0.00"), D("0.00")], D("23.20"))
    ]
    html = response.content.decode()
    assert f'href="/shop/dashboard/orders/{order.number}/"' in html
    assert "¥23.20" in html and "经营性" in html and TEA_PRODUCER in html


def test_a_refund_shows_as_a_reversal_and_the_yearly_income_is_net(
    client, django_capture_on_commit_callbacks
):
    order = pay(awaiting_transfer([(TEA, 2)]), django_capture_on_commit_callbacks)
    refund(order, django_capture_on_commit_callbacks, quantity=1)
    client.force_login(staff_user())

    response = client.get(f"/cms/impact/households/{household('530113-0007').pk}/")

    assert [(e.kind, e.amount) for e in response.context["attributions"]] == [
        ("reversal", D("-11.60")),
        ("attribution", D("23.20")),
    ]
    assert [y.total for y in response.context["attributed_years"]] == [D("11.60")]


def test_a_payment_moves_no_level_and_the_payout_that_lifts_the_household_is_credited(
    client, django_capture_on_commit_callbacks
):
    # 530113-0005: 5 members, 34,480.00 recorded, 6,896.00 a head: yellow under the 6,900.00 line.
    dividend = household("530113-0005")
    households_reassess(
        households=Household.objects.filter(pk=dividend.pk),
        year=timezone.localdate().year,
        channel="periodic",
    )
    assert Household.objects.get(pk=dividend.pk).current_level == 4
    # 5% of ¥116.00 + ¥299.00 is ¥20.75 due: due is not income, the level stays.
    order = pay(
        awaiting_transfer([(TEA, 2), ("YX-DC-001", 10)]), django_capture_on_commit_callbacks
    )
    assert Household.objects.get(pk=dividend.pk).current_level == 4
    assert not SalesLevelChange.objects.exists()

    # The cooperative pays the ¥20.75: 34,500.75 / 5 = 6,900.15 a head, just over the line.
    staff = staff_user()
    payout = payout_add(
        household=dividend,
        producer=Producer.objects.get(name=TEA_PRODUCER),
        amount=D("20.75"),
        by=staff,
    )
    moved = Household.objects.get(pk=dividend.pk)
    assert moved.current_level == 5
    assert moved.current_assessment.platform_income == D("20.75")
    assert moved.current_assessment.per_capita == D("6900.15")
    assert moved.status.level_without == 4
    change = SalesLevelChange.objects.get(household=dividend)
    assert (change.level_before, change.level_after, change.level_without, change.improved) == (
        4,
        5,
        4,
        True,
    )
    assert (change.platform_before, change.platform_after) == (D("0.00"), D("20.75"))
    assert list(change.payouts.all()) == [payout]
    assert change.payment_event is None

    client.force_login(staff)
    response = client.get(f"/cms/impact/households/{dividend.pk}/")
    assert list(response.context["level_changes"]) == [change]
    html = response.content.decode()
    section = text(html[html.index('id="level-changes"') : html.index('id="attributions"')])
    assert "Ⅳ 黄 Ⅴ 绿 Ⅳ 黄" in section
    assert f"{timezone.localdate():%Y-%m-%d} · {TEA_PRODUCER} · ¥20.75" in section
    year = response.context["payout_year"]
    assert (year.due, year.paid, year.outstanding, year.disputed) == (
        D("20.75"),
        D("20.75"),
        D("0.00"),
        D("0.00"),
    )
    assert order.number


def test_the_household_page_shows_due_paid_outstanding_and_disputed_for_the_chosen_year(
    client, django_capture_on_commit_callbacks
):
    tea_buyer = household("530113-0007")  # 20% of the tea: ¥23.20 due for 2 × ¥58.00
    pay(awaiting_transfer([(TEA, 2)]), django_capture_on_commit_callbacks)
    staff = staff_user()
    producer = Producer.objects.get(name=TEA_PRODUCER)
    payout_add(household=tea_buyer, producer=producer, amount=D("10.00"), by=staff)
    disputed = payout_add(household=tea_buyer, producer=producer, amount=D("5.00"), by=staff)
    payout_dispute(disputed)
    this_year = timezone.localdate().year
    payout_add(
        household=tea_buyer,
        producer=producer,
        amount=D("3.00"),
        by=staff,
        paid_on=datetime.date(this_year - 1, 12, 31),
    )
    client.force_login(staff)

    page = client.get(f"/cms/impact/households/{tea_buyer.pk}/")
    assert page.context["payout_years"] == [this_year, this_year - 1]
    year = page.context["payout_year"]
    # ¥10.00 and ¥3.00 were set against the ¥23.20 (whenever paid); the ¥5.00 is disputed.
    assert (year.year, year.due, year.paid, year.outstanding, year.disputed) == (
        this_year,
        D("23.20"),
        D("10.00"),
        D("10.20"),
        D("5.00"),
    )
    html = text(page.content.decode())
    assert f"{this_year} ¥23.20 ¥10.00 ¥10.20 ¥5.00" in html

    last = client.get(
        f"/cms/impact/households/{tea_buyer.pk}/?payout_year={this_year - 1}"
    ).context["payout_year"]
    assert (last.year, last.due, last.paid, last.outstanding, last.disputed) == (
        this_year - 1,
        D("0.00"),
        D("3.00"),
        D("0.00"),
        D("0.00"),
    )
    # A year that is not one of the household's falls back to this year.
    assert (
        client.get(f"/cms/impact/households/{tea_buyer.pk}/?payout_year=1999")
        .context["payout_year"]
        .year
        == this_year
    )


def test_the_household_page_runs_as_many_queries_for_many_entries_as_for_one(
    client, django_capture_on_commit_callbacks
):
    staff = staff_user()
    client.force_login(staff)
    tea_buyer = household("530113-0007")
    url = f"/cms/impact/households/{tea_buyer.pk}/"
    pay(awaiting_transfer([(TEA, 1)]), django_capture_on_commit_callbacks, staff=staff)
    client.get(url)  # sessions, permissions and settings cached alike for both counts

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(6):
        pay(awaiting_transfer([(TEA, 1)]), django_capture_on_commit_callbacks, staff=staff)
    refund(Order.objects.order_by("-pk").first(), django_capture_on_commit_callbacks, quantity=1)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(response.context["attributions"]) == 8
    assert len(many.captured_queries) == len(one.captured_queries)


# ---------------------------------------------------------------- the shop dashboard's order page


def test_staff_see_each_lines_households_on_the_order_page_masked(
    client, django_capture_on_commit_callbacks
):
    order = pay(awaiting_transfer([(TEA, 2)]), django_capture_on_commit_callbacks)
    client.force_login(staff_user())

    response = client.get(f"/shop/dashboard/orders/{order.number}/")

    html = response.content.decode()
    section = html[html.index('id="attributions"') : html.index('id="shipments"')]
    for code, amount in (
        ("530113-0004", "¥9.28"),
        ("530113-0005", "¥5.80"),
        ("530113-0007", "¥23.20"),
    ):
        linked = household(code)
        assert f'<a href="/cms/impact/households/{linked.pk}/">{code}</a>' in section
        assert linked.head_name_masked in section
        assert linked.head_name not in section
        assert linked.id_number not in html and masked(linked.id_number) not in html
        assert amount in section
    assert section.count('class="yx-line-attribution"') == 3
    assert "¥38.28" in section  # the line's total


def test_the_order_page_says_when_a_line_is_unpaid_or_attributed_to_nobody(
    client, django_capture_on_commit_callbacks
):
    client.force_login(staff_user())
    unpaid = awaiting_transfer([(TEA, 1)])
    html = client.get(f"/shop/dashboard/orders/{unpaid.number}/").content.decode()
    assert "尚未付款：没有带动入账。" in html

    BenefitLink.objects.filter(product__upc="YX-LQ-003").update(
        valid_from=timezone.localdate() - datetime.timedelta(days=30),
        valid_to=timezone.localdate() - datetime.timedelta(days=1),
    )
    unlinked = pay(awaiting_transfer([("YX-LQ-003", 1)]), django_capture_on_commit_callbacks)
    html = client.get(f"/shop/dashboard/orders/{unlinked.number}/").content.decode()
    assert "未带动任何农户：售出当日此商品行没有适用的利益联结。" in html


def test_a_producer_does_not_see_the_households_on_its_order_page(
    client, django_capture_on_commit_callbacks
):
    order = pay(awaiting_transfer([(TEA, 2)]), django_capture_on_commit_callbacks)
    client.force_login(producer_user(partner_code="dongchuan-hongtudi"))

    response = client.get(f"/shop/dashboard/orders/{order.number}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="attributions"' not in html
    assert "530113-0007" not in html


# ---------------------------------------------------------------- the export


@pytest.fixture
def small_ledger(django_capture_on_commit_callbacks):
    """Two teas paid, then one refunded: three entries and three reversals."""
    order = pay(awaiting_transfer([(TEA, 2)]), django_capture_on_commit_callbacks)
    refund(order, django_capture_on_commit_callbacks, quantity=1)
    return order


def expected_rows(order) -> list[list[str]]:
    line = order.lines.get()
    paid = PaymentEvent.objects.get(order_payment__order=order, kind="confirmed")
    refunded = PaymentEvent.objects.get(order_payment__order=order, kind="refunded")
    year = str(timezone.localdate().year)
    rows = []
    for event, kind, amounts in (
        (paid, "带动", ("23.20", "9.28", "5.80")),
        (refunded, "冲回", ("-11.60", "-4.64", "-2.90")),
    ):
        stamp = (
            AttributionEntry.objects.filter(payment_event=event)
            .first()
            .created_at.astimezone(SHANGHAI)
            .strftime("%Y-%m-%d %H:%M")
        )
        for code, link_kind, source, amount in zip(
            ("530113-0007", "530113-0004", "530113-0005"),
            ("收购", "务工", "分红"),
            ("经营性收入", "工资性收入", "财产性收入"),
            amounts,
            strict=True,
        ):
            rows.append(
                [
                    order.number,
                    str(line.pk),
                    TEA,
                    "东川老鹰茶 250g",
                    TEA_PRODUCER,
                    code,
                    "530113",
                    masked(household(code).id_number),
                    link_kind,
                    source,
                    kind,
                    amount,
                    year,
                    str(event.pk),
                    stamp,
                ]
            )
    return rows


def test_the_attribution_export_has_one_row_per_entry_with_masked_ids(small_ledger):
    rows = read_csv(impact_export(kind="attribution", fmt="csv"))

    assert rows[0] == list(ATTRIBUTION_COLUMNS)
    assert rows[0] == [
        "订单号",
        "订单行",
        "商品编码",
        "商品",
        "生产主体",
        "户编号",
        "县区代码",
        "身份证号",
        "联结方式",
        "收入类型",
        "类型",
        "金额",
        "年度",
        "付款事件",
        "时间",
    ]
    assert sorted(rows[1:]) == sorted(expected_rows(small_ledger))
    # Oldest first: the attributions, then their reversals.
    assert [row[10] for row in rows[1:]] == ["带动"] * 3 + ["冲回"] * 3


def test_the_xlsx_attribution_export_has_the_same_rows(small_ledger):
    sheet = load_workbook(io.BytesIO(impact_export(kind="attribution", fmt="xlsx"))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]

    assert rows[0] == list(ATTRIBUTION_COLUMNS)
    as_text = [
        [
            f"{value:.2f}" if isinstance(value, float) else ("" if value is None else str(value))
            for value in row
        ]
        for row in rows[1:]
    ]
    assert sorted(as_text) == sorted(expected_rows(small_ledger))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_id_number_is_in_the_attribution_export(small_ledger, fmt):
    data = every_byte(impact_export(kind="attribution", fmt=fmt), fmt)
    for code in ("530113-0004", "530113-0005", "530113-0007"):
        number = household(code).id_number
        assert number.encode() not in data
        assert masked(number).encode() in data


def test_the_export_runs_two_queries_whatever_the_number_of_entries(
    django_capture_on_commit_callbacks,
):
    pay(awaiting_transfer([(TEA, 1)]), django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as few:
        impact_export(kind="attribution", fmt="csv")
    pay(
        awaiting_transfer([(TEA, 3), ("YX-DC-001", 2), ("YX-LQ-003", 1), ("YX-XD-001", 1)]),
        django_capture_on_commit_callbacks,
    )
    with CaptureQueriesContext(connection) as many:
        rows = read_csv(impact_export(kind="attribution", fmt="csv"))

    assert len(rows) - 1 == AttributionEntry.objects.count() == 3 + 10
    assert len(few.captured_queries) == len(many.captured_queries) == 2


def test_the_command_writes_the_attribution_ledger_to_a_file_or_stdout(small_ledger, tmp_path):
    out = tmp_path / "ledger.csv"
    call_command(
        "impact_export", "attribution", "--format", "csv", "--out", str(out), stdout=StringIO()
    )
    assert sorted(read_csv(out.read_bytes())[1:]) == sorted(expected_rows(small_ledger))
    assert not (tmp_path / "ledger.csv.part").exists()

    stdout = io.BytesIO()
    call_command("impact_export", "attribution", "--format", "xlsx", stdout=stdout)
    assert load_workbook(io.BytesIO(stdout.getvalue())).active["A1"].value == "订单号"


def test_the_back_office_export_holds_only_the_staff_members_county(client, small_ledger):
    client.force_login(county_staff("xd", "530129"))
    response = client.get("/cms/impact/export/attribution.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="attribution-')
    assert read_csv(b"".join(response.streaming_content)) == [list(ATTRIBUTION_COLUMNS)]

    client.force_login(county_staff("dc", "530113"))
    response = client.get("/cms/impact/export/attribution.csv")
    assert sorted(read_csv(b"".join(response.streaming_content))[1:]) == sorted(
        expected_rows(small_ledger)
    )
    assert client.get("/cms/impact/export/attribution.pdf").status_code == 404


# ---------------------------------------------------------------- the buyer's impact receipt


def test_an_unpaid_order_shows_what_it_will_reach_once_paid():
    order = awaiting_transfer([(TEA, 2), ("YX-LQ-003", 1)])

    # 23.20 + 9.28 + 5.80 in 东川; 30% of ¥25.00 to 530128-0018, who sells its own buckwheat, in 禄劝.
    assert order_impact_receipt(order=order) == Receipt(
        order_total=D("141.00"),
        amount=D("45.78"),
        households=4,
        counties=2,
        paid=False,
        recorded=False,
    )


def test_a_paid_order_reads_the_ledger_net_of_refunds(django_capture_on_commit_callbacks):
    order = pay(awaiting_transfer([(TEA, 2)]), django_capture_on_commit_callbacks)
    assert order_impact_receipt(order=order) == Receipt(
        D("116.00"), D("38.28"), households=3, counties=1, paid=True, recorded=True
    )

    refund(order, django_capture_on_commit_callbacks, quantity=1)
    assert order_impact_receipt(order=order).amount == D("19.14")

    refund(order, django_capture_on_commit_callbacks, quantity=1)
    assert order_impact_receipt(order=order) == Receipt(
        D("116.00"), D("0.00"), households=0, counties=0, paid=True, recorded=True
    )


def test_a_paid_order_whose_attribution_is_not_written_yet_is_projected():
    # No on-commit callbacks run: the payment is confirmed, its attribution task not yet run.
    order = awaiting_transfer([(TEA, 2)])
    pay_in_full(order, by=staff_user(), reference="T-1")
    assert order_impact_receipt(order=order) == Receipt(
        D("116.00"), D("38.28"), households=3, counties=1, paid=True, recorded=False
    )


def test_a_paid_order_reaching_nobody_is_recorded_as_such(django_capture_on_commit_callbacks):
    BenefitLink.objects.filter(product__upc="YX-LQ-003").update(
        valid_from=timezone.localdate() - datetime.timedelta(days=30),
        valid_to=timezone.localdate() - datetime.timedelta(days=1),
    )
    unpaid = awaiting_transfer([("YX-LQ-003", 1)])
    assert order_impact_receipt(order=unpaid).amount == D("0.00")
    paid = pay(unpaid, django_capture_on_commit_callbacks)
    assert order_impact_receipt(order=paid) == Receipt(
        D("25.00"), D("0.00"), households=0, counties=0, paid=True, recorded=True
    )


def test_the_receipt_runs_as_many_queries_for_many_lines_as_for_one(
    django_capture_on_commit_callbacks,
):
    small = awaiting_transfer([(TEA, 1)])
    large = awaiting_transfer([(TEA, 3), ("YX-DC-001", 2), ("YX-LQ-003", 1), ("YX-XD-001", 1)])
    counts = {}
    for name, order in (("small", small), ("large", large)):
        with CaptureQueriesContext(connection) as unpaid:
            order_impact_receipt(order=order)
        pay(order, django_capture_on_commit_callbacks)
        with CaptureQueriesContext(connection) as paid:
            receipt = order_impact_receipt(order=order)
        assert receipt.recorded
        counts[name] = (len(unpaid.captured_queries), len(paid.captured_queries))

    # Paid: the payment, the ledger, and the payouts set against the order's lines.
    assert counts["small"] == counts["large"] == (3, 3)


def guest_buys(client: Client, *, upc: str, quantity: int) -> HttpResponse:
    """A guest checks out by bank transfer; the thank-you page."""
    basket_add(client, upc=upc, quantity=quantity)
    checkout_to_payment(client)
    return client.get(order_place(client)["Location"])


UNPAID_SENTENCE = "付款后，本订单 ¥116.00 中将有 ¥38.28 计入 1 个县区 3 户登记农户的收入。"


def test_the_thank_you_page_and_the_email_show_the_receipt_without_names(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        thank_you = guest_buys(client, upc=TEA, quantity=2)

    html = thank_you.content.decode()
    assert thank_you.status_code == 200
    assert "您的订单带来的帮扶" in html
    assert UNPAID_SENTENCE in html
    (message,) = mail.outbox
    assert UNPAID_SENTENCE in message.body
    html_mail = message.alternatives[0][0]
    assert UNPAID_SENTENCE in html_mail
    for code in ("530113-0004", "530113-0005", "530113-0007"):
        linked = household(code)
        for text in (html, message.body, html_mail):
            assert code not in text
            assert linked.head_name not in text
            assert linked.head_name_masked not in text


def test_the_customers_order_page_shows_the_recorded_receipt_once_paid(
    client, django_capture_on_commit_callbacks
):
    customer = buyer("customer@example.com")
    order = pay(awaiting_transfer([(TEA, 2)], user=customer), django_capture_on_commit_callbacks)
    client.force_login(customer)

    response = client.get(reverse("customer:order", kwargs={"order_number": order.number}))

    assert response.status_code == 200
    # Due, not income (DESIGN: due is a projection of income): "将带动", and nothing paid out yet.
    assert (
        "本订单 ¥116.00 中，¥38.28 将带动 1 个县区 3 户登记农户增收（应兑付）。"
        "其中已兑付 ¥0.00，待兑付 ¥38.28。"
    ) in response.content.decode()


# ---------------------------------------------------------------- the demo


def test_the_demo_sale_makes_amounts_due_and_the_recorded_payout_lifts_the_household(client):
    out = StringIO()
    call_command("load_demo", force=True, stdout=out)
    assert "1 paid demo orders" in out.getvalue()

    order = Order.objects.get(number="YX-DEMO-0001")
    assert (order.status, order.total_incl_tax) == ("Paid", D("575.00"))
    # 红土地 paid ¥30.00 + ¥46.00 of its ¥50.00 wages payout (¥4.00 paid ahead) + ¥25.00
    # against this order's due amounts (demo/payouts.py).
    assert order_impact_receipt(order=order) == Receipt(
        D("575.00"),
        D("127.95"),
        households=4,
        counties=1,
        paid=True,
        recorded=True,
        paid_out=D("101.00"),
    )
    # ¥28.75 (5% of ¥575.00) is due to 530113-0005. Due is not income: the sale alone left it
    # yellow at 34,480.00 / 5 = 6,896.00 a head. The ¥25.00 its producer recorded paying lifts it
    # to (34,480.00 + 25.00) / 5 = 6,901.00, over the 6,900.00 line: green, credited to the
    # payout because without it the same assessment is yellow.
    lifted = household("530113-0005")
    assert AttributionEntry.objects.filter(household=lifted).aggregate(t=Sum("amount"))["t"] == D(
        "28.75"
    )
    assert lifted.current_level == 5
    assert lifted.current_assessment.platform_income == D("25.00")
    assert lifted.current_assessment.per_capita == D("6901.00")
    (change,) = SalesLevelChange.objects.all()
    assert (change.household, change.level_before, change.level_after, change.level_without) == (
        lifted,
        4,
        5,
        4,
    )

    client.force_login(get_user_model().objects.get(username="admin"))
    response = client.get(f"/cms/impact/households/{lifted.pk}/")
    year = response.context["payout_year"]
    assert (year.due, year.paid, year.outstanding, year.disputed) == (
        D("28.75"),
        D("25.00"),
        D("3.75"),
        D("0.00"),
    )
    assert "东川手工挂面 2kg" in text(response.content.decode())

    again = StringIO()
    call_command("load_demo", force=True, stdout=again)
    assert "nothing changed" in again.getvalue()
    assert Order.objects.filter(number="YX-DEMO-0001").count() == 1
    assert AttributionEntry.objects.count() == 8
