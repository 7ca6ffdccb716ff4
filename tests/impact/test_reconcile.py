"""Figures that say their basis and agree; `impact_rollup --check`; the buyer's paid out vs due."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from impact.ledger.receipts import order_impact_receipt
from impact.ledger.services import attribution_run
from impact.models import AttributionEntry, Payout, PayoutAllocation, SalesMonth
from impact.reporting.buyer import my_impact
from producers.models import BenefitLink, Producer
from shop.payments.models import PaymentEvent
from shop.payments.services import RefundLineRequest, order_payment_open, order_refund_request
from tests.producers.factories import buyer, producer_user, staff_user
from tests.producers.factories import order as make_order
from tests.shop.payments.paying import pay_in_full

pytestmark = pytest.mark.django_db
D = Decimal
TEA = "YX-DC-004"  # 东川老鹰茶 ¥58.00: links 20% (household 7), 8% wages, 5% dividends
POTATOES = (
    "YX-DC-001"  # 东川红土地大洋芋 ¥29.90: ¥3.00 a unit to household 1, 8% wages, 5% dividends
)
HONGTUDI = "dongchuan-hongtudi"
THIS_YEAR = str(timezone.localdate().year)


def paid(lines, *, user=None):
    """An order paid by bank transfer, its attribution run (as the on-commit task would)."""
    order = make_order(lines=lines, status="Pending payment", user=user)
    order_payment_open(order=order, method="transfer")
    pay_in_full(order, by=staff_user())
    attribution_run(
        payment_event_id=PaymentEvent.objects.get(order_payment__order=order, kind="confirmed").pk
    )
    return order


def refund_one(order, upc):
    made = order_refund_request(
        order=order,
        lines=[RefundLineRequest(line_id=order.lines.get(product__upc=upc).pk, quantity=1)],
        reason="买家退货",
        by=staff_user(),
    )
    attribution_run(payment_event_id=made.event.pk)


def payout(line, link, amount, *, allocated=None, **fields):
    """A payout by the link's producer to its household, set against (line, link)."""
    made = Payout.objects.create(
        producer=link.producer,
        household=link.household,
        amount=D(amount),
        paid_on=timezone.localdate(),
        method=Payout.Method.BANK,
        recorded_by=staff_user(),
        **fields,
    )
    PayoutAllocation.objects.create(
        payout=made,
        line=line,
        link=link,
        income_source="operating",
        amount=D(allocated or amount),
    )
    return made


def tea_link(share: str) -> BenefitLink:
    return BenefitLink.objects.get(
        producer__partner__code=HONGTUDI, share=D(share), product__isnull=(share != "20.00")
    )


def money(text: str) -> Decimal:
    return D(re.sub(r"[^\d.\-]", "", text))


# ---------------------------------------------------------------- the buyer's paid out vs due


@pytest.fixture
def my_tea():
    """Two teas (¥116.00) bought by me: due 23.20 + 9.28 + 5.80 = ¥38.28 to three households."""
    me = buyer("me@example.com")
    order = paid([(TEA, 2)], user=me)
    line = order.lines.get()
    purchase, wages, dividend = tea_link("20.00"), tea_link("8.00"), tea_link("5.00")
    payout(line, purchase, "10.00")  # counts
    payout(line, wages, "5.00", reversed_at=timezone.now())  # reversed: counts nowhere
    payout(line, dividend, "3.00", verification=Payout.Verification.DISPUTED)  # disputed
    # Someone else's tea, paid out in full: not mine.
    other = paid([(TEA, 1)], user=buyer("other@example.com")).lines.get()
    payout(other, purchase, "11.60")
    return me, order


def test_my_impact_shows_paid_out_apart_from_still_due_to_the_fen(client, my_tea):
    me, _order = my_tea
    impact = my_impact(user=me)
    assert impact.amount == D("38.28")
    assert impact.paid_out == D("10.00")
    assert impact.still_due == D("28.28")
    assert impact.households_paid == 1
    ledger = AttributionEntry.objects.filter(line__order__user=me).aggregate(t=Sum("amount"))["t"]
    assert impact.amount == ledger

    client.force_login(me)
    body = client.get(reverse("impact:mine")).content.decode()
    assert re.search(r'id="my-impact-due">¥38\.28<', body)
    assert re.search(r'id="my-impact-paid-out">¥10\.00<', body)
    assert re.search(r'id="my-impact-still-due">¥28\.28<', body)
    assert "已兑付：已到农户手中" in body and "待兑付：尚未兑付" in body
    assert "将带动 3 户登记农户增收 ¥38.28" in body


def test_the_receipt_of_one_order_says_what_was_paid_out_and_what_is_still_due(client, my_tea):
    me, order = my_tea
    receipt = order_impact_receipt(order=order)
    assert (receipt.amount, receipt.paid_out, receipt.still_due) == (
        D("38.28"),
        D("10.00"),
        D("28.28"),
    )
    client.force_login(me)
    html = client.get(reverse("customer:order", kwargs={"order_number": order.number}))
    assert (
        "本订单 ¥116.00 中，¥38.28 将带动 1 个县区 3 户登记农户增收（应兑付）。"
        "其中已兑付 ¥10.00，待兑付 ¥28.28。"
    ) in html.content.decode()


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_my_impact_costs_the_same_queries_whatever_the_payouts():
    me = buyer("many@example.com")
    purchase = tea_link("20.00")
    payout(paid([(TEA, 1)], user=me).lines.get(), purchase, "1.00")
    few = _queries(lambda: my_impact(user=me))
    for _i in range(5):
        payout(paid([(TEA, 1)], user=me).lines.get(), purchase, "2.00")
    assert _queries(lambda: my_impact(user=me)) == few == 4
    assert my_impact(user=me).paid_out == D("11.00")


# ---------------------------------------------------------------- impact_rollup --check


def check() -> tuple[str, str | None]:
    out = StringIO()
    try:
        call_command("impact_rollup", "--check", stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def test_check_passes_when_every_summary_matches_the_ledger_and_the_payouts(my_tea):
    out, error = check()
    assert error is None
    assert out.strip().splitlines() == ["全部 6 项汇总与台账、兑付记录一致"]


def test_check_fails_on_a_summary_off_by_one_fen(my_tea):
    first = SalesMonth.objects.filter(amount__gt=0).order_by("pk").values_list("pk", flat=True)[0]
    SalesMonth.objects.filter(pk=first).update(amount=F("amount") + D("0.01"))
    out, error = check()
    assert error == "汇总与台账或兑付记录不一致：1 处"
    (line,) = out.strip().splitlines()
    assert line.startswith("sales (") and "stored (Decimal('" in line


def test_check_fails_when_payouts_exceed_what_is_due_or_the_payout_itself(my_tea):
    me, order = my_tea
    line = order.lines.get()
    # Household 7's tea share of my order is ¥23.20; ¥10.00 is already paid: ¥15.00 more is too much.
    payout(line, tea_link("20.00"), "15.00", reference="OVER-1")
    # A payout of ¥1.00 whose allocation says ¥2.00 (on another line, within what is due).
    potatoes = paid([(POTATOES, 10)], user=me).lines.get()
    potato_link = BenefitLink.objects.get(
        producer__partner__code=HONGTUDI, per_unit=D("3.00"), product__upc="YX-DC-001"
    )
    small = payout(potatoes, potato_link, "1.00", allocated="2.00")
    out, error = check()
    assert error == "汇总与台账或兑付记录不一致：2 处"
    assert out.strip().splitlines() == [
        f"payouts payout {small.pk}: amount 1.00, allocated 2.00",
        f"payouts (line, link) ({line.pk}, {tea_link('20.00').pk}): paid out 25.00, due 23.20",
    ]


def test_a_refund_after_a_payout_leaves_it_paid_ahead_not_a_difference(my_tea):
    _me, order = my_tea
    line = order.lines.get()
    # Household 7's tea share is ¥23.20, ¥10.00 paid; ¥13.20 more pays it in full.
    payout(line, tea_link("20.00"), "13.20", reference="REST-1")
    # One tea back: ¥11.60 of it is now due, ¥23.20 was paid. The household was paid: the
    # ¥11.60 over is paid ahead, which the check does not count as a difference.
    refund_one(order, TEA)
    out, error = check()
    assert error is None
    assert out.strip().splitlines() == ["全部 6 项汇总与台账、兑付记录一致"]


# ---------------------------------------------------------------- bases, and figures that agree


@pytest.fixture
def hongtudi_sales():
    """红土地's paid tea and potatoes, one tea refunded, and an order paid after delivery (unpaid)."""
    first = paid([(TEA, 2), (POTATOES, 3)], user=buyer("a@example.com"))  # 116.00 + 89.70
    paid([(TEA, 1)])  # 58.00
    refund_one(first, TEA)  # −58.00
    make_order(lines=[(POTATOES, 4)], status="Pay after delivery")  # ordered, 119.60, not paid
    return D("116.00") + D("89.70") + D("58.00") - D("58.00")


def test_the_producers_sales_impact_and_the_staff_breakdown_agree_on_paid_net_sales(
    client, hongtudi_sales
):
    expected = hongtudi_sales  # ¥205.70, worked from the demo prices
    producer = Producer.objects.get(partner__code=HONGTUDI)
    client.force_login(producer_user(partner_code=HONGTUDI))

    sales_page = client.get(reverse("dashboard:producer-sales"))
    assert sales_page.status_code == 200
    sales = sales_page.context["sales"]
    assert sales.paid_net == expected
    assert sales.total == expected + D("58.00") + D("119.60")  # ordered, gross of refunds
    html = sales_page.content.decode()
    assert "下单，含退款" in html and "已付款，扣除退款" in html
    paid_net_cell = re.search(r'class="yx-sales-paid-net">([^<]+)<', html)
    assert paid_net_cell and money(paid_net_cell[1]) == expected
    assert sum((row["paid_net"] for row in sales.by_product), D("0")) == expected

    impact_page = client.get(reverse("dashboard:producer-impact"), {"period": THIS_YEAR})
    impact_html = impact_page.content.decode()
    assert "销售额：已付款，扣除退款" in impact_html
    assert "应兑付联结农户（扣除退款）" in impact_html
    assert "“销售数据”的下单口径还包括尚未付款的货到付款订单" in impact_html
    shown = re.search(r'id="producer-sales">([^<]+)<', impact_html)
    assert shown and money(shown[1]) == expected

    client.force_login(staff_user())
    breakdown = client.get(
        reverse("impact_report_breakdown"), {"by": "producer", "period": THIS_YEAR}
    )
    (table,) = breakdown.context["tables"]
    assert table.columns[2] == "销售额（已付款，扣除退款，元）"
    assert table.columns[3] == "应兑付农户（扣除退款，元）"
    row = next(row for row in table.rows if row[0] == producer.partner.name)
    assert row[2] == expected
    attributed = AttributionEntry.objects.filter(line__partner=producer.partner).aggregate(
        t=Sum("amount")
    )["t"]
    assert row[3] == attributed == impact_page.context["impact"].attributed


def test_the_public_page_and_the_staff_platform_report_agree_and_say_their_basis(
    client, hongtudi_sales
):
    paid([("YX-LQ-001", 4)])  # 禄劝's honey: ¥352.00
    expected = hongtudi_sales + D("352.00")
    public = client.get("/impact/")
    html = public.content.decode()
    assert public.context["figures"].sales == expected
    assert "已付款，扣除退款" in html and "应兑付" in html
    client.force_login(staff_user())
    platform = client.get(reverse("impact_report_platform"), {"period": THIS_YEAR})
    assert platform.context["impact"].sales == expected
    assert platform.context["impact"].attributed == public.context["figures"].attributed
    assert "销售额：已付款，扣除退款" in platform.content.decode()
