"""Payouts (已兑付): what producers paid households, allocated oldest due first, to the fen.

The expected figures are worked out by hand from the demo's links and prices:
红土地 (dongchuan-hongtudi) pays household 530113-0005 a 5% dividend on all its
products; 大洋芋 YX-DC-001 costs ¥29.90, 面条 YX-DC-002 ¥32.00, 老鹰茶 YX-DC-004 ¥58.00.
"""

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.urls import reverse

from impact.ledger.payouts import (
    household_payout_balance,
    payout_balances,
    payout_record,
    payout_reverse,
    payouts_import,
    producers_payable_by,
)
from impact.ledger.services import attribution_run
from impact.models import Assessment, AttributionEntry, Household, Payout, PayoutAllocation
from producers.models import BenefitLink, Producer
from shop.payments.models import PaymentEvent
from shop.payments.services import RefundLineRequest, order_refund_request
from tests.demo_day import DEMO_DAY
from tests.producers.factories import PASSWORD, producer_user, staff_user
from tests.shop.payments.paying import awaiting_transfer, pay_in_full

from .factories import county_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_day")]

D = Decimal
HONGTUDI, LANFENG = "dongchuan-hongtudi", "xundian-lanfeng"
TODAY = DEMO_DAY


def producer(code: str) -> Producer:
    return Producer.objects.get(partner__code=code)


def dividend_household(code: str = HONGTUDI) -> Household:
    return BenefitLink.objects.get(
        producer__partner__code=code, kind="dividend", product__isnull=True
    ).household


def paid(lines, staff):
    """An order paid by transfer, its attribution written."""
    order = awaiting_transfer(lines)
    pay_in_full(order, by=staff)
    event = PaymentEvent.objects.get(order_payment__order=order, kind="confirmed")
    attribution_run(payment_event_id=event.pk)
    return order


def allocations(payout: Payout) -> list[tuple[str, Decimal]]:
    return [
        (allocation.line.order.number, allocation.amount)
        for allocation in PayoutAllocation.objects.filter(payout=payout)
        .select_related("line__order")
        .order_by("pk")
    ]


def figures(household: Household, maker: Producer) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    balance = payout_balances(producer_ids=[maker.pk], household_ids=[household.pk])[
        (maker.pk, household.pk)
    ]
    return balance.due, balance.paid_out, balance.outstanding, balance.paid_ahead


@pytest.fixture
def user_a():
    return producer_user(partner_code=HONGTUDI)


@pytest.fixture
def user_b():
    return producer_user(partner_code=LANFENG)


@pytest.fixture
def three_sales():
    """Three orders paid one after another: the household's due is 5.80, then 2.99, then 1.60."""
    staff = staff_user()
    a = paid([("YX-DC-004", 2)], staff)  # 5% of 116.00 = 5.80
    b = paid([("YX-DC-001", 2)], staff)  # 5% of 59.80 = 2.99
    c = paid([("YX-DC-002", 1)], staff)  # 5% of 32.00 = 1.60
    household = dividend_household()
    due = {
        order.number: AttributionEntry.objects.filter(
            line__order=order, household=household
        ).aggregate(total=Sum("amount"))["total"]
        for order in (a, b, c)
    }
    assert due == {a.number: D("5.80"), b.number: D("2.99"), c.number: D("1.60")}
    return staff, a, b, c


# ---------------------------------------------------------------- allocation, to the fen


def test_a_payout_takes_the_oldest_due_first_to_the_fen(three_sales, user_a):
    _staff, a, b, c = three_sales
    household, maker = dividend_household(), producer(HONGTUDI)
    first = payout_record(
        producer=maker,
        household=household,
        amount=D("7.00"),
        paid_on=TODAY,
        method="bank",
        reference="ICBC-001",
        by=user_a,
    )
    # 7.00: all of a's 5.80, then 1.20 of b's 2.99.
    assert allocations(first) == [(a.number, D("5.80")), (b.number, D("1.20"))]
    assert figures(household, maker) == (D("10.39"), D("7.00"), D("3.39"), D("0.00"))
    second = payout_record(
        producer=maker,
        household=household,
        amount=D("2.50"),
        paid_on=TODAY,
        method="cash",
        by=user_a,
    )
    # 2.50: b's remaining 1.79, then 0.71 of c's 1.60.
    assert allocations(second) == [(b.number, D("1.79")), (c.number, D("0.71"))]
    assert figures(household, maker) == (D("10.39"), D("9.50"), D("0.89"), D("0.00"))
    assert first.recorded_by == user_a and first.batch == ""


def test_a_refund_after_a_payout_leaves_the_over_payment_paid_ahead(three_sales, user_a):
    staff, a, _b, c = three_sales
    household, maker = dividend_household(), producer(HONGTUDI)
    for amount in ("7.00", "2.50"):
        payout_record(
            producer=maker,
            household=household,
            amount=D(amount),
            paid_on=TODAY,
            method="wechat",
            by=user_a,
        )
    order_refund_request(
        order=a,
        lines=[RefundLineRequest(line_id=a.lines.get().pk, quantity=2)],
        reason="退货",
        by=staff,
    )
    attribution_run(
        payment_event_id=PaymentEvent.objects.get(order_payment__order=a, kind="refunded").pk
    )
    # a's due is now 0.00 and its 5.80 already paid: paid ahead; outstanding is c's 0.89 only.
    assert figures(household, maker) == (D("4.59"), D("9.50"), D("0.89"), D("5.80"))
    third = payout_record(
        producer=maker,
        household=household,
        amount=D("2.00"),
        paid_on=TODAY,
        method="alipay",
        by=user_a,
    )
    # 0.89 to c; the remaining 1.11 has no due to meet: unallocated, paid ahead.
    assert allocations(third) == [(c.number, D("0.89"))]
    assert figures(household, maker) == (D("4.59"), D("11.50"), D("0.00"), D("6.91"))
    total = household_payout_balance(household=household)
    assert (total.due, total.paid_out, total.outstanding, total.paid_ahead) == (
        D("4.59"),
        D("11.50"),
        D("0.00"),
        D("6.91"),
    )


def test_a_reversed_payout_counts_nowhere(three_sales, user_a):
    _staff, _a, _b, _c = three_sales
    household, maker = dividend_household(), producer(HONGTUDI)
    first = payout_record(
        producer=maker,
        household=household,
        amount=D("7.00"),
        paid_on=TODAY,
        method="bank",
        by=user_a,
    )
    with pytest.raises(ValidationError) as refused:
        payout_reverse(payout=first, by=user_a, reason="  ")
    assert refused.value.message_dict == {"reason": ["请说明冲销原因。"]}
    payout_reverse(payout=first, by=user_a, reason="金额录错")
    first.refresh_from_db()
    assert first.reversed_by == user_a and first.reversal_reason == "金额录错"
    assert figures(household, maker) == (D("10.39"), D("0.00"), D("10.39"), D("0.00"))
    with pytest.raises(ValidationError):
        payout_reverse(payout=first, by=user_a, reason="again")
    # The next payout takes the oldest due again, as if the reversed one had never been.
    again = payout_record(
        producer=maker,
        household=household,
        amount=D("6.00"),
        paid_on=TODAY,
        method="bank",
        by=user_a,
    )
    assert [amount for _n, amount in allocations(again)] == [D("5.80"), D("0.20")]


def test_a_payout_is_checked_and_a_refused_one_writes_nothing(user_a):
    household, maker = dividend_household(), producer(HONGTUDI)
    payout_record(
        producer=maker,
        household=household,
        amount=D("1.00"),
        paid_on=TODAY,
        method="bank",
        reference="R-1",
        by=user_a,
    )
    before = Payout.objects.count()
    cases = [
        ({"amount": D("0.00")}, {"amount": ["兑付金额应大于 0。"]}),
        ({"amount": D("1.005")}, {"amount": ["金额最多保留两位小数。"]}),
        ({"paid_on": TODAY + datetime.timedelta(days=1)}, {"paid_on": ["兑付日期不能晚于今天。"]}),
        ({"reference": "R-1"}, {"reference": ["凭证号 R-1 已为该户登记过。"]}),
        (
            {"household": dividend_household(LANFENG)},
            {"household": [f"{dividend_household(LANFENG).code} 户与 {maker.name} 没有利益联结。"]},
        ),
    ]
    for change, expected in cases:
        data = {
            "producer": maker,
            "household": household,
            "amount": D("5.00"),
            "paid_on": TODAY,
            "method": "bank",
            "by": user_a,
            **change,
        }
        with pytest.raises(ValidationError) as refused:
            payout_record(**data)
        assert refused.value.message_dict == expected
    assert Payout.objects.count() == before


def test_a_payout_with_no_due_is_all_paid_ahead_and_re_assesses_the_household(user_a):
    household, maker = dividend_household(), producer(HONGTUDI)
    before = Assessment.objects.filter(household=household).count()
    payout = payout_record(
        producer=maker,
        household=household,
        amount=D("30.00"),
        paid_on=TODAY,
        method="cash",
        by=user_a,
    )
    assert allocations(payout) == []
    assert figures(household, maker) == (D("0.00"), D("30.00"), D("0.00"), D("30.00"))
    assert Assessment.objects.filter(household=household, year=TODAY.year).count() == before + 1


# ---------------------------------------------------------------- isolation in the services


def test_a_producer_records_for_its_own_households_only(user_a, user_b):
    a, b = producer(HONGTUDI), producer(LANFENG)
    assert list(producers_payable_by(user=user_a)) == [a]
    with pytest.raises(PermissionDenied):
        payout_record(
            producer=b,
            household=dividend_household(LANFENG),
            amount=D("5.00"),
            paid_on=TODAY,
            method="bank",
            by=user_a,
        )
    theirs = payout_record(
        producer=b,
        household=dividend_household(LANFENG),
        amount=D("5.00"),
        paid_on=TODAY,
        method="bank",
        by=user_b,
    )
    with pytest.raises(PermissionDenied):
        payout_reverse(payout=theirs, by=user_a, reason="不是我的")
    with pytest.raises(PermissionDenied):
        payouts_import(file=sheet("x.csv", [ROW]), by=user_a, producer=b)
    assert Payout.objects.get().reversed_at is None


# ---------------------------------------------------------------- sheets

HEADER = ["户编号", "金额", "日期", "方式", "凭证号", "备注"]
ROW = ["530113-0005", "1.00", TODAY.isoformat(), "现金", "", ""]


def sheet(name: str, rows: list[list[str]], header: list[str] = HEADER) -> SimpleUploadedFile:
    if name.endswith(".xlsx"):
        from openpyxl import Workbook

        workbook = Workbook()
        active = workbook.active
        active.append(header)
        for row in rows:
            active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return SimpleUploadedFile(name, buffer.getvalue())
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8-sig"))


def test_a_good_sheet_records_every_row_as_one_batch(three_sales, user_a):
    _staff, a, b, c = three_sales
    household, maker = dividend_household(), producer(HONGTUDI)
    employed = BenefitLink.objects.get(
        producer=maker, kind="employment", product__isnull=True
    ).household
    rows = [
        [household.code, "3.00", TODAY.isoformat(), "银行", "PAY-01", "六月分红"],
        [household.code, "4,000.00", TODAY.isoformat(), "支付宝", "PAY-02", ""],
        [employed.code, "12.5", TODAY.isoformat(), "银行转账", "", "工资"],
    ]
    checked = payouts_import(file=sheet("june.xlsx", rows), by=user_a, producer=maker, dry_run=True)
    assert (checked.ok, checked.created, checked.total) == (True, 3, D("4015.50"))
    assert not Payout.objects.exists()
    result = payouts_import(file=sheet("june.csv", rows), by=user_a, producer=maker)
    assert (result.ok, result.created, result.total, result.households) == (
        True,
        3,
        D("4015.50"),
        2,
    )
    saved = list(Payout.objects.order_by("pk"))
    assert {p.batch for p in saved} == {result.batch} and len(result.batch) == 32
    assert [(p.amount, p.method, p.reference, p.note) for p in saved] == [
        (D("3.00"), "bank", "PAY-01", "六月分红"),
        (D("4000.00"), "alipay", "PAY-02", ""),
        (D("12.50"), "bank", "", "工资"),
    ]
    # In sheet order: 3.00 to a's 5.80; 4,000.00 to a's remaining 2.80, b's 2.99, c's 1.60.
    assert allocations(saved[0]) == [(a.number, D("3.00"))]
    assert allocations(saved[1]) == [
        (a.number, D("2.80")),
        (b.number, D("2.99")),
        (c.number, D("1.60")),
    ]
    assert figures(household, maker) == (D("10.39"), D("4003.00"), D("0.00"), D("3992.61"))


def test_a_bad_sheet_writes_nothing_and_lists_every_bad_row(user_a):
    maker = producer(HONGTUDI)
    household = dividend_household()
    payout_record(
        producer=maker,
        household=household,
        amount=D("1.00"),
        paid_on=TODAY,
        method="bank",
        reference="OLD-1",
        by=user_a,
    )
    before = Payout.objects.count()
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    other = dividend_household(LANFENG).code
    rows = [
        [household.code, "10.00", TODAY.isoformat(), "银行", "DUP", ""],  # 2: fine alone
        ["999999-9999", "0", "2026/13/01", "刷卡", "", ""],  # 3
        [household.code, "1.234", tomorrow, "现金", "", ""],  # 4
        [other, "5.00", TODAY.isoformat(), "微信", "", ""],  # 5
        [household.code, "5.00", TODAY.isoformat(), "微信", "DUP", ""],  # 6: DUP again
        [household.code, "5.00", TODAY.isoformat(), "现金", "OLD-1", ""],  # 7: recorded before
        ["", "", "", "", "", ""],  # blank: skipped
        [household.code, "-2", "", "现金", "", ""],  # 9
    ]
    result = payouts_import(file=sheet("bad.csv", rows), by=user_a, producer=maker)
    assert [str(error) for error in result.errors] == [
        "第 2 行「凭证号」：凭证号「DUP」在文件中重复（第 2、6 行）",
        "第 3 行「户编号」：户编号「999999-9999」不存在",
        "第 3 行「金额」：兑付金额应大于 0",
        "第 3 行「日期」：「2026/13/01」不是有效日期",
        "第 3 行「方式」：「刷卡」无效，应填「银行转账」、「银行」、「现金」、「微信」、「支付宝」、「抵扣」",
        "第 4 行「金额」：最多保留两位小数",
        f"第 4 行「日期」：日期 {tomorrow} 晚于今天",
        f"第 5 行「户编号」：户编号「{other}」与生产主体「{maker.name}」没有利益联结",
        "第 6 行「凭证号」：凭证号「DUP」在文件中重复（第 2、6 行）",
        "第 7 行「凭证号」：凭证号「OLD-1」已为该户登记过",
        "第 9 行「金额」：不能为负数",
        "第 9 行「日期」：不能为空",
    ]
    assert Payout.objects.count() == before


def test_a_sheet_without_the_required_columns_or_rows_is_refused(user_a):
    maker = producer(HONGTUDI)
    result = payouts_import(
        file=sheet("x.csv", [ROW], header=["户编号", "金额", "日子", "方式"]),
        by=user_a,
        producer=maker,
    )
    assert [str(e) for e in result.errors] == ["第 1 行「日期」：表头缺少此列"]
    result = payouts_import(file=sheet("x.csv", []), by=user_a, producer=maker)
    assert [str(e) for e in result.errors] == ["第 2 行「户编号」：文件中没有兑付记录"]
    assert not Payout.objects.exists()


def test_rows_without_a_reference_that_repeat_each_other_are_refused(user_a):
    maker = producer(HONGTUDI)
    result = payouts_import(file=sheet("x.csv", [ROW, ROW]), by=user_a, producer=maker)
    assert [str(e) for e in result.errors] == [
        f"第 {n} 行「金额」：同一户 {TODAY.isoformat()} 的同一笔 1.00 元兑付（如确为两笔，请填写凭证号区分）在文件中重复（第 2、3 行）"
        for n in (2, 3)
    ]
    assert not Payout.objects.exists()


def test_staff_upload_for_several_producers_of_their_county_only():
    staff = county_staff("dc-payouts", "530113", permissions=["add_payout"])
    maker = producer(HONGTUDI)
    maker_b = producer(LANFENG)
    household = dividend_household()
    employed = BenefitLink.objects.get(
        producer=maker, kind="employment", product__isnull=True
    ).household
    header = [*HEADER, "生产主体"]
    rows = [
        [household.code, "2.00", TODAY.isoformat(), "现金", "", "", maker.name],
        [employed.code, "3.00", TODAY.isoformat(), "现金", "", "", maker.credit_code or maker.name],
        [dividend_household(LANFENG).code, "4.00", TODAY.isoformat(), "现金", "", "", maker_b.name],
    ]
    result = payouts_import(file=sheet("s.csv", rows, header=header), by=staff)
    assert [str(e) for e in result.errors] == [
        f"第 4 行「生产主体」：「{maker_b.name}」不是您可以登记兑付的生产主体（请填统一社会信用代码或名称）"
    ]
    assert not Payout.objects.exists()
    result = payouts_import(file=sheet("s.csv", rows[:2], header=header), by=staff)
    assert result.ok and result.created == 2
    assert set(Payout.objects.values_list("producer_id", "recorded_by_id")) == {
        (maker.pk, staff.pk)
    }


# ---------------------------------------------------------------- the producer's dashboard


def login(client, user) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def test_the_producer_page_shows_its_own_households_masked_with_their_figures(
    client, three_sales, user_a
):
    household, maker = dividend_household(), producer(HONGTUDI)
    login(client, user_a)
    url = reverse("dashboard:producer-payouts")
    response = client.post(
        reverse("dashboard:producer-payouts-record"),
        {
            "household": household.pk,
            "amount": "7.00",
            "paid_on": TODAY.isoformat(),
            "method": "bank",
            "reference": "WEB-1",
            "note": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    codes = set(
        BenefitLink.objects.filter(producer=maker).values_list("household__code", flat=True)
    )
    assert {row.code for row in page.context["households"]} == codes
    assert dividend_household(LANFENG).code not in html
    assert household.head_name not in html and household.head_name_masked in html
    row = next(r for r in page.context["households"] if r.code == household.code)
    assert (row.balance.due, row.balance.paid_out, row.balance.outstanding) == (
        D("10.39"),
        D("7.00"),
        D("3.39"),
    )
    template = client.get(reverse("dashboard:producer-payouts-template", args=["csv"]))
    assert (
        template.content.decode("utf-8-sig").splitlines()[0] == "户编号,金额,日期,方式,凭证号,备注"
    )
    xlsx = client.get(reverse("dashboard:producer-payouts-template", args=["xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_producer_page_uploads_a_sheet_and_reverses(client, user_a):
    household = dividend_household()
    login(client, user_a)
    bad = client.post(
        reverse("dashboard:producer-payouts-upload"),
        {"file": sheet("p.csv", [[household.code, "0", TODAY.isoformat(), "现金", "", ""]])},
    )
    assert bad.status_code == 400
    assert "第 2 行「金额」：兑付金额应大于 0" in bad.content.decode()
    good = client.post(
        reverse("dashboard:producer-payouts-upload"),
        {"file": sheet("p.csv", [[household.code, "8.00", TODAY.isoformat(), "现金", "", ""]])},
    )
    assert good.status_code == 200
    payout = Payout.objects.get()
    response = client.post(
        reverse("dashboard:producer-payouts-reverse", args=[payout.pk]), {"reason": "重复登记"}
    )
    assert response.status_code == 302
    payout.refresh_from_db()
    assert payout.reversed_at is not None and payout.reversal_reason == "重复登记"


def test_every_cross_producer_attempt_in_the_dashboard_is_refused(client, user_a, user_b):
    theirs = payout_record(
        producer=producer(LANFENG),
        household=dividend_household(LANFENG),
        amount=D("5.00"),
        paid_on=TODAY,
        method="bank",
        by=user_b,
    )
    login(client, user_a)
    # Another producer's household is no choice on our form: nothing written.
    response = client.post(
        reverse("dashboard:producer-payouts-record"),
        {
            "household": dividend_household(LANFENG).pk,
            "amount": "5.00",
            "paid_on": TODAY.isoformat(),
            "method": "bank",
        },
    )
    assert response.status_code == 400
    assert Payout.objects.count() == 1
    # Another producer's payout cannot be reversed, nor seen.
    response = client.post(
        reverse("dashboard:producer-payouts-reverse", args=[theirs.pk]), {"reason": "x"}
    )
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.reversed_at is None
    page = client.get(reverse("dashboard:producer-payouts"))
    assert [p.pk for p, _url in page.context["payouts"]] == []
    # A sheet naming another producer's household records nothing.
    response = client.post(
        reverse("dashboard:producer-payouts-upload"),
        {
            "file": sheet(
                "x.csv",
                [[dividend_household(LANFENG).code, "5.00", TODAY.isoformat(), "现金", "", ""]],
            )
        },
    )
    assert response.status_code == 400 and Payout.objects.count() == 1


def test_a_user_of_no_producer_gets_no_payouts_page(client):
    user = staff_user()
    client.force_login(user)
    assert client.get(reverse("dashboard:producer-payouts")).status_code == 403


# ---------------------------------------------------------------- county staff on its behalf


def test_county_staff_record_on_behalf_of_their_countys_producers_only(client):
    staff = county_staff("dc-staff-pay", "530113", permissions=["add_payout"])
    client.force_login(staff)
    maker, other = producer(HONGTUDI), producer(LANFENG)
    listing = client.get(reverse("impact_payouts"))
    assert listing.status_code == 200
    assert [p for p, _t in listing.context["rows"]] == list(
        Producer.objects.filter(region__parent__code="530113").order_by("name")
    )
    assert client.get(reverse("impact_payouts_producer", args=[maker.pk])).status_code == 200
    assert client.get(reverse("impact_payouts_producer", args=[other.pk])).status_code == 403
    data = {
        "household": dividend_household(LANFENG).pk,
        "amount": "5.00",
        "paid_on": TODAY.isoformat(),
        "method": "cash",
    }
    assert (
        client.post(reverse("impact_payouts_producer-record", args=[other.pk]), data).status_code
        == 403
    )
    response = client.post(
        reverse("impact_payouts_producer-record", args=[maker.pk]),
        {**data, "household": dividend_household().pk},
    )
    assert response.status_code == 302
    payout = Payout.objects.get()
    assert (payout.producer, payout.recorded_by) == (maker, staff)
    theirs = payout_record(
        producer=other,
        household=dividend_household(LANFENG),
        amount=D("5.00"),
        paid_on=TODAY,
        method="bank",
        by=producer_user(partner_code=LANFENG),
    )
    # Reversing another county's payout, through either producer's URL: refused.
    for pk in (maker.pk, other.pk):
        response = client.post(
            reverse("impact_payouts_producer-reverse", args=[pk, theirs.pk]), {"reason": "x"}
        )
        assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.reversed_at is None


def test_staff_without_the_permission_or_the_county_are_refused(client):
    maker = producer(HONGTUDI)
    without = county_staff("dc-no-perm", "530113")
    client.force_login(without)
    assert client.get(reverse("impact_payouts")).status_code == 403
    assert client.get(reverse("impact_payouts_producer", args=[maker.pk])).status_code == 403
    elsewhere = county_staff("xd-staff-pay", "530129", permissions=["add_payout"])
    client.force_login(elsewhere)
    assert client.get(reverse("impact_payouts_producer", args=[maker.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        payout_record(
            producer=maker,
            household=dividend_household(),
            amount=D("1.00"),
            paid_on=TODAY,
            method="cash",
            by=elsewhere,
        )
    assert not Payout.objects.exists()


def test_the_upload_path_is_read_from_disk_too(tmp_path: Path, user_a):
    target = tmp_path / "p.csv"
    target.write_bytes(sheet("p.csv", [ROW]).read())
    result = payouts_import(file=target, by=user_a, producer=producer(HONGTUDI))
    assert result.ok and result.created == 1


def test_the_household_page_shows_what_each_producer_owes_and_paid(client, three_sales, user_a):
    household, maker = dividend_household(), producer(HONGTUDI)
    payout_record(
        producer=maker,
        household=household,
        amount=D("7.00"),
        paid_on=TODAY,
        method="bank",
        by=user_a,
    )
    client.force_login(county_staff("dc-reader", "530113"))
    page = client.get(reverse("impact_household", args=[household.pk]))
    assert page.status_code == 200
    [(shown, balance)] = page.context["payout_balances"]
    assert shown == maker
    assert (balance.due, balance.paid_out, balance.outstanding, balance.paid_ahead) == (
        D("10.39"),
        D("7.00"),
        D("3.39"),
        D("0.00"),
    )
    assert "¥3.39" in page.content.decode()


@pytest.mark.parametrize("role", ["visitor", "producer", "consumer"])
def test_the_staff_payout_pages_refuse_every_other_role(client, role):
    if role == "producer":
        client.force_login(producer_user(partner_code=HONGTUDI))
    elif role == "consumer":
        client.force_login(get_user_model().objects.create_user(username="buyer-x"))
    maker = producer(HONGTUDI)
    for url in (reverse("impact_payouts"), reverse("impact_payouts_producer", args=[maker.pk])):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert dividend_household().code not in response.content.decode()
