"""The demo's work unit: the school canteen, its buyer, invoice details, yearly plan,
a saved order list and, with the demo sale, its orders, part-way to its reserved share.

Every step looks up before it creates, so a second run changes nothing.

The plan is sized to the demo sale: the canteen's one paid order (``YX-DEMO-0001``,
¥575.00) is 59.9% of its reserved ¥960.00. Its second order is placed to pay
after delivery and shipped, so it counts nothing yet and is ready to inspect.
(More paid orders would add attribution entries the impact demo counts exactly.)
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.utils import timezone
from oscar.core.loading import get_model

from producers.models import Producer
from producers.services import order_ship
from shop.payments.models import OrderPayment
from shop.payments.selectors import payment_methods_for
from shop.payments.services import PAY_LATER_STATUS, order_payment_open
from shop.units.bulk import BasketLine
from shop.units.models import OrderList, UnitOrder, UnitPlan, WorkUnit, WorkUnitMember
from shop.units.services import (
    order_list_save,
    unit_order_record,
    unit_plan_file,
    work_unit_approve,
    work_unit_invoice_update,
    work_unit_member_add,
    work_unit_register,
)

from . import data
from .orders import demo_order_place

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .services import DemoReport

INVOICE = {
    "invoice_title": "昆明市东川区第一中学",
    "tax_number": data.DEMO_WORK_UNIT["credit_code"],
    "invoice_address": "云南省昆明市东川区铜都街道东川区第一中学",
    "invoice_phone": "0871-62120000",
    "invoice_bank": "演示银行东川支行",
    "invoice_account": "0000 1111 2222 3333 444",
}
PLAN_FOOD_BUDGET = Decimal("9600.00")  # reserved at 10%: ¥960.00
PLAN_SHARE = Decimal("10.00")
ORDER_LIST_NAME = "每周食材"
ORDER_LIST_LINES = [("YX-DC-001", 10), ("YX-DC-002", 5), ("YX-XD-002", 4)]
PAY_LATER_NUMBER = "YX-DEMO-0002"
PAY_LATER_LINES = [("YX-LQ-003", 12)]  # ¥300.00, 禄劝撒营盘山货专业合作社
PAY_LATER_SHIP_WITHIN = 15


def demo_work_units(report: DemoReport) -> None:
    """The approved school canteen with a buyer login, invoice details, this year's plan and a list."""
    User = get_user_model()
    admin = User.objects.get(username=data.DEMO_STAFF["username"])
    unit_data = data.DEMO_WORK_UNIT
    unit = WorkUnit.objects.filter(credit_code=unit_data["credit_code"]).first()
    if unit is None:
        unit = work_unit_register(
            name=unit_data["name"],
            kind=unit_data["kind"],
            credit_code=unit_data["credit_code"],
            has_canteen=True,
            payment_terms_days=data.DEMO_WORK_UNIT_TERMS_DAYS,
            by=admin,
        )
        unit = work_unit_approve(unit=unit, by=admin)
        report.count("work units", True)
    if not unit.invoice_title:
        work_unit_invoice_update(unit=unit, **INVOICE)
        report.count("work unit invoice details", True)
    buyer_data = data.DEMO_CANTEEN_BUYER
    buyer = User.objects.filter(username=buyer_data["username"]).first()
    if buyer is None:
        buyer = User.objects.create_user(
            username=buyer_data["username"],
            email=buyer_data["email"],
            password=buyer_data["password"],
        )
        report.count("users", True)
    if not WorkUnitMember.objects.filter(user=buyer).exists():
        work_unit_member_add(unit=unit, user=buyer, role=WorkUnitMember.Role.BUYER)
        report.count("work unit members", True)
    year = timezone.localdate().year
    if not UnitPlan.objects.filter(unit=unit, year=year).exists():
        unit_plan_file(
            unit=unit, year=year, food_budget=PLAN_FOOD_BUDGET, reserved_share=PLAN_SHARE, by=admin
        )
        report.count("work unit plans", True)
    if not OrderList.objects.filter(unit=unit, name=ORDER_LIST_NAME).exists():
        Product = get_model("catalogue", "Product")
        lines = [
            BasketLine(row=row, product=Product.objects.get(upc=upc), quantity=quantity)
            for row, (upc, quantity) in enumerate(ORDER_LIST_LINES, start=1)
        ]
        order_list_save(unit=unit, name=ORDER_LIST_NAME, lines=lines, by=buyer)
        report.count("work unit order lists", True)


def demo_unit_sales(report: DemoReport) -> None:
    """With the demo sale: it is the canteen's order; a second one ships before it is paid."""
    Order = get_model("order", "Order")
    User = get_user_model()
    buyer = User.objects.get(username=data.DEMO_CANTEEN_BUYER["username"])
    sale = Order.objects.filter(number=data.DEMO_SALE_NUMBER).first()
    if sale is not None and not UnitOrder.objects.filter(order=sale).exists():
        unit_order_record(order=sale, user=buyer, ship_within_days=7)
        report.count("work unit orders", True)
    if not Order.objects.filter(number=PAY_LATER_NUMBER).exists():
        _pay_later_order(buyer)
        report.count("work unit orders", True)


def _pay_later_order(buyer: User) -> None:
    """Placed as checkout places it (pay after delivery), then shipped by its producer."""
    order = demo_order_place(
        buyer=buyer, lines=PAY_LATER_LINES, number=PAY_LATER_NUMBER, status=PAY_LATER_STATUS
    )
    (offer,) = [o for o in payment_methods_for(user=buyer) if o.method == "pay_later"]
    order_payment_open(
        order=order, method=OrderPayment.Method.PAY_LATER, terms_days=offer.terms_days
    )
    unit_order_record(order=order, user=buyer, ship_within_days=PAY_LATER_SHIP_WITHIN)
    producer = Producer.objects.get(partner__order_lines__order=order)
    order_ship(
        order=order,
        producer=producer,
        carrier="中国邮政",
        tracking_number="DEMO-EMS-0002",
        by=producer.partner.users.order_by("pk").first(),
    )
