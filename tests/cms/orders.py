"""Campaign orders for the tests (and the campaign benchmark): through the real checkout,
or bulk-created for volume."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from oscar.core.loading import get_model

from cms.models import CampaignOrder, CampaignOrderLine, CampaignPage
from impact.models import AttributionEntry
from producers.models import BenefitLink
from shop.payments.models import OrderPayment, PaymentEvent
from tests.shop.checkout_flow import checkout_to_preview, order_place
from tests.shop.payments.paying import pay_in_full

Order = get_model("order", "Order")
Line = get_model("order", "Line")
Product = get_model("catalogue", "Product")


def buy(client, *, upc: str, quantity: int, email: str, pay: bool = True):
    """A guest order through Oscar's checkout by bank transfer; staff record the transfer when ``pay``."""
    before = set(Order.objects.filter(guest_email=email).values_list("pk", flat=True))
    checkout_to_preview(client, upc=upc, quantity=quantity, email=email)
    order_place(client)
    order = Order.objects.filter(guest_email=email).exclude(pk__in=before).get()
    if pay:
        pay_in_full(
            order,
            by=get_user_model().objects.get(username="admin"),
            reference=f"REF-{order.number}",
        )
    return order


def bulk_paid_orders(
    *,
    campaign: CampaignPage,
    count: int,
    buyers: int,
    amount: Decimal = Decimal("10.00"),
    quantity: int = 1,
    attributed: Decimal = Decimal("1.00"),
    first: int = 0,
    prefix: str = "BULK",
    spread: datetime.timedelta | None = None,
) -> None:
    """Paid campaign orders ``first`` to ``first + count - 1``, of one line of ``quantity``
    peanuts each, from ``buyers`` distinct guests, each attributing ``attributed`` to the same
    household: rows written in bulk, as a rush leaves them. They are placed now, or, with
    ``spread``, order i ``i`` seconds ago, wrapping around at ``spread``."""
    now = timezone.now()
    product = Product.objects.get(upc="YX-DC-003")
    link = BenefitLink.objects.filter(product=product).order_by("pk").first()
    seconds = int(spread.total_seconds()) if spread else 0
    orders = Order.objects.bulk_create(
        Order(
            number=f"{prefix}-{campaign.pk}-{i:06d}",
            currency="CNY",
            total_incl_tax=amount,
            total_excl_tax=amount,
            status="Paid",
            guest_email=f"buyer{i % buyers}@bulk.example",
            date_placed=now - datetime.timedelta(seconds=i % seconds) if seconds else now,
        )
        for i in range(first, first + count)
    )
    payments = OrderPayment.objects.bulk_create(
        OrderPayment(
            order=order,
            method=OrderPayment.Method.TRANSFER,
            state=OrderPayment.State.PAID,
            amount_due=amount,
            amount_received=amount,
            confirmed_at=now,
        )
        for order in orders
    )
    events = PaymentEvent.objects.bulk_create(
        PaymentEvent(order_payment=payment, kind=PaymentEvent.Kind.CONFIRMED, amount=amount)
        for payment in payments
    )
    campaign_orders = CampaignOrder.objects.bulk_create(
        CampaignOrder(order=order, campaign=campaign) for order in orders
    )
    lines = Line.objects.bulk_create(
        Line(
            order=order,
            product=product,
            partner_sku=product.upc,
            title=product.title,
            upc=product.upc,
            quantity=quantity,
            line_price_incl_tax=amount,
            line_price_excl_tax=amount,
            line_price_before_discounts_incl_tax=amount,
            line_price_before_discounts_excl_tax=amount,
            num_allocated=quantity,
        )
        for order in orders
    )
    # The peanuts are credited to the campaign whether or not it features them: volume only.
    CampaignOrderLine.objects.bulk_create(
        CampaignOrderLine(campaign_order=campaign_order, campaign=campaign, line=line)
        for campaign_order, line in zip(campaign_orders, lines, strict=True)
    )
    AttributionEntry.objects.bulk_create(
        AttributionEntry(
            line=line,
            household_id=link.household_id,
            link=link,
            kind=AttributionEntry.Kind.ATTRIBUTION,
            income_source="operating",
            amount=attributed,
            year=now.year,
            payment_event=event,
        )
        for line, event in zip(lines, events, strict=True)
    )
