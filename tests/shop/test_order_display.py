"""Orders in Chinese: status names, the timeline, bank-transfer details, e-mail links, ¥."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from oscar.core.loading import get_model

from demo.orders import demo_order_place
from producers.models import Producer
from producers.services import order_ship
from shop.order_status import STATUS_NAMES, order_status_name
from shop.order_timeline import order_bank_transfer_due, order_timeline
from shop.payments.models import OrderPayment
from shop.payments.services import (
    RefundLineRequest,
    order_payment_open,
    order_refund_request,
    order_status_change,
    order_transfer_record,
)
from tests.producers.factories import PASSWORD, buyer, producer_user, staff_user
from tests.shop.payments.conftest import checkout

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
ShippingEventType = get_model("order", "ShippingEventType")

# The demo's 东川红土地大洋芋 5kg (YX-DC-001), ¥29.90 each, from 红土地's cooperative.
POTATOES = "YX-DC-001"


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _transfer_order(client, *, login: bool = True, quantity: int = 2):
    if login:
        user = buyer()
        client.login(username=user.username, password=PASSWORD)
    order, placed = checkout(client, lines=[(POTATOES, quantity)], method="transfer", login=login)
    assert placed.status_code == 302
    return order


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# ---------------------------------------------------------------- status names


def test_every_pipeline_status_has_one_chinese_name():
    assert set(STATUS_NAMES) == set(settings.OSCAR_ORDER_STATUS_PIPELINE)
    with translation.override("zh-hans"):
        assert {status: str(order_status_name(status)) for status in STATUS_NAMES} == {
            "Pending payment": "待付款",
            "Pay after delivery": "先货后款",
            "Paid": "已付款",
            "Shipped": "已发货",
            "Complete": "已完成",
            "Cancelled": "已取消",
        }
    with translation.override("en"):
        assert str(order_status_name("Pending payment")) == "Awaiting payment"


def test_an_unknown_or_empty_status_is_shown_as_stored():
    assert order_status_name("Lost in transit") == "Lost in transit"
    assert order_status_name("") == ""
    assert order_status_name(None) == ""
    rendered = Template("{% load order_tags %}[{{ s|order_status }}]").render(
        Context({"s": "Lost in transit"})
    )
    assert rendered == "[Lost in transit]"


def test_the_buyers_order_list_and_page_show_the_status_in_chinese(client):
    order = _transfer_order(client)
    assert order.status == "Pending payment"
    listing = client.get(reverse("customer:order-list")).content.decode()
    assert '<td class="yx-order-status">待付款</td>' in listing
    page = client.get(reverse("customer:order", kwargs={"order_number": order.number}))
    html = page.content.decode()
    assert "<strong>待付款</strong>" in html
    assert "Pending payment" not in _text(html)


def test_the_dashboard_names_statuses_in_chinese_and_posts_the_stored_value(client):
    order = _transfer_order(client, login=False)
    order_transfer_record(
        order=order,
        amount="59.80",
        received_on=timezone.localdate(),
        bank_reference="B-1",
        by=staff_user(),
    )
    staff = staff_user()
    client.login(username=staff.username, password=PASSWORD)

    listing = client.get(reverse("dashboard:order-list")).content.decode()
    assert "<td>已付款</td>" in listing
    # The status filter and the bulk change: stored values, Chinese names.
    assert '<option value="Paid">已付款</option>' in listing
    assert '<option value="Shipped">已发货</option>' in listing
    detail_url = reverse("dashboard:order-detail", kwargs={"number": order.number})
    detail = client.get(detail_url).content.decode()
    assert '<option value="Shipped">已发货</option>' in detail
    assert '<option value="Cancelled">已取消</option>' in detail
    assert ">Paid<" not in detail
    assert ">Pending payment<" not in detail

    # The English value changes the status; its name is not a status.
    response = client.post(
        reverse("dashboard:order-list"),
        {"action": "change_order_statuses", "selected_order": order.pk, "new_status": "已发货"},
        follow=True,
    )
    order.refresh_from_db()
    assert order.status == "Paid"
    [refusal] = [str(m) for m in response.context["messages"]]
    assert order.number in refusal and "已发货" in refusal
    response = client.post(
        reverse("dashboard:order-list"),
        {"action": "change_order_statuses", "selected_order": order.pk, "new_status": "Shipped"},
        follow=True,
    )
    order.refresh_from_db()
    assert order.status == "Shipped"
    [done] = [str(m) for m in response.context["messages"]]
    assert "已付款" in done and "已发货" in done and "Paid" not in done
    assert order.notes.filter(message=done).count() == 1

    # The status filter says which status it filters by, in Chinese.
    listing = client.get(reverse("dashboard:order-list"), {"status": "Shipped"})
    assert [o.number for o in listing.context["orders"]] == [order.number]
    assert "已发货" in listing.context["search_filters"][0]


# ---------------------------------------------------------------- timeline


def test_the_timeline_takes_each_steps_time_from_payment_shipment_and_status(client):
    order = _transfer_order(client)
    steps = order_timeline(order=order)
    assert [(s.key, s.reached, s.at) for s in steps] == [
        ("placed", True, order.date_placed),
        ("paid", False, None),
        ("shipped", False, None),
        ("delivered", False, None),
        ("complete", False, None),
    ]

    staff = staff_user()
    order_transfer_record(
        order=order,
        amount="59.80",
        received_on=timezone.localdate(),
        bank_reference="B-7",
        by=staff,
    )
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    shipper = producer_user(partner_code="dongchuan-hongtudi")
    shipment = order_ship(
        order=order,
        producer=producer,
        carrier="顺丰速运",
        tracking_number="SF1234567890",
        by=shipper,
    )
    order.refresh_from_db()
    order_status_change(order=order, new_status="Shipped", by=staff)
    delivered = ShippingEventType.objects.create(code="delivered", name="已签收")
    event = order.shipping_events.create(event_type=delivered)
    order_status_change(order=order, new_status="Complete", by=staff)
    order.refresh_from_db()
    payment = OrderPayment.objects.get(order=order)

    steps = order_timeline(order=order)
    assert [(s.key, s.reached, s.at) for s in steps] == [
        ("placed", True, order.date_placed),
        ("paid", True, payment.confirmed_at),
        ("shipped", True, shipment.shipped_at),
        ("delivered", True, event.date_created),
        ("complete", True, order.status_changes.get(new_status="Complete").date_created),
    ]
    assert steps[2].shipments == [shipment]

    page = client.get(reverse("customer:order", kwargs={"order_number": order.number}))
    text = _text(page.content.decode())
    assert f"已付款 {_local(payment.confirmed_at)}" in text
    assert f"已发货 {_local(shipment.shipped_at)}" in text
    assert "顺丰速运 · 运单号 SF1234567890" in text
    assert "状态: 已完成" in text


def test_a_refund_is_a_step_of_the_timeline_with_its_amount(client):
    order = _transfer_order(client)
    staff = staff_user()
    order_transfer_record(
        order=order,
        amount="59.80",
        received_on=timezone.localdate(),
        bank_reference="B-8",
        by=staff,
    )
    line = order.lines.get()
    refund = order_refund_request(
        order=order,
        lines=[RefundLineRequest(line_id=line.pk, quantity=1)],
        reason="破损",
        by=staff,
    )
    refund.refresh_from_db()
    refund_step = order_timeline(order=order)[-1]
    assert (refund_step.key, refund_step.amount, refund_step.at, refund_step.note) == (
        "refund",
        Decimal("29.90"),
        refund.completed_at,
        "破损",
    )
    text = _text(
        client.get(
            reverse("customer:order", kwargs={"order_number": order.number})
        ).content.decode()
    )
    assert f"已退款 {_local(refund.completed_at)} ¥29.90 破损" in text


def test_a_cancelled_order_ends_its_timeline_at_the_cancellation(client):
    order = _transfer_order(client)
    order_status_change(order=order, new_status="Cancelled", by=staff_user())
    order.refresh_from_db()
    steps = order_timeline(order=order)
    assert [(s.key, s.reached) for s in steps] == [("placed", True), ("cancelled", True)]
    assert steps[-1].at == OrderPayment.objects.get(order=order).cancelled_at


# ---------------------------------------------------------------- bank transfer


def test_transfer_details_on_the_order_page_and_the_guest_status_page(client):
    order = _transfer_order(client, login=False)
    payment = OrderPayment.objects.get(order=order)
    due = order_bank_transfer_due(order=order)
    assert due is not None
    assert (due.amount, due.reference, due.hold_until) == (
        Decimal("59.80"),
        order.number,
        payment.hold_until,
    )
    bank = settings.PLATFORM_BANK_ACCOUNT

    # The guest's status page, after the guest gives the order's e-mail address.
    url = reverse(
        "customer:anon-order",
        kwargs={"order_number": order.number, "hash": order.verification_hash()},
    )
    prompt = client.get(url, follow=True)
    page = client.post(prompt.redirect_chain[-1][0], {"email": order.guest_email}, follow=True)
    html = page.content.decode()
    assert f'<span class="yx-payment-reference" id="transfer-reference-{order.number}">' in html
    assert f'data-yx-copy="#transfer-reference-{order.number}"' in html
    assert f'data-yx-countdown="{int(payment.hold_until.timestamp())}"' in html
    assert '<script src="/static/js/order-transfer.js" defer></script>' in html
    text = _text(html)
    assert "金额 ¥59.80" in text
    assert f"{bank['account_name']}" in text and f"{bank['account_number']}" in text
    assert f"付款截止 {_local(payment.hold_until)}" in text
    assert "待付款" in text

    # Once paid, no transfer is asked for any more.
    order_transfer_record(
        order=order,
        amount="59.80",
        received_on=timezone.localdate(),
        bank_reference="B-9",
        by=staff_user(),
    )
    assert order_bank_transfer_due(order=order) is None
    html = client.get(url).content.decode()
    assert "yx-bank-transfer" not in html
    assert "已付款" in html


def test_no_transfer_details_for_an_order_paid_by_card(client):
    user = buyer()
    client.login(username=user.username, password=PASSWORD)
    order = demo_order_place(buyer=user, lines=[(POTATOES, 1)], number="YX-CARD-0001")
    order_payment_open(order=order, method=OrderPayment.Method.STRIPE)
    assert order_bank_transfer_due(order=order) is None
    page = client.get(reverse("customer:order", kwargs={"order_number": order.number}))
    assert page.status_code == 200
    assert "yx-bank-transfer" not in page.content.decode()


# ---------------------------------------------------------------- e-mails and the site address


def test_the_confirmation_email_has_the_transfer_and_links_on_site_url(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://shop.example"
    with django_capture_on_commit_callbacks(execute=True):
        order = _transfer_order(client, login=False)
    payment = OrderPayment.objects.get(order=order)
    [message] = mail.outbox
    status = reverse(
        "customer:anon-order",
        kwargs={"order_number": order.number, "hash": order.verification_hash()},
    )
    assert f"https://shop.example{status}" in message.body
    assert "127.0.0.1" not in message.body
    assert f"付款附言: {order.number}" in message.body
    assert "金额: ¥59.80" in message.body
    assert f"付款截止: {_local(payment.hold_until)}" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'href="https://shop.example{status}"' in html
    assert f"<strong>{order.number}</strong>" in html
    assert "127.0.0.1" not in html


def test_a_password_reset_link_is_on_site_url(client, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://shop.example"
    buyer("reset@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password-reset"), {"email": "reset@example.com"})
    [message] = mail.outbox
    links = re.findall(r"https?://\S+", message.body)
    assert links and all(link.startswith("https://shop.example/shop/") for link in links), links


def test_site_url_defaults_to_the_local_address_and_keeps_absolute_links():
    rendered = Template(
        "{% load order_tags %}{% site_url '/shop/' %} {% site_url 'https://x.example/a' %}"
    ).render(Context())
    assert rendered == f"{settings.SITE_URL}/shop/ https://x.example/a"


# ---------------------------------------------------------------- money


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_yuan_are_written_with_the_yen_sign_in_both_languages(language):
    with translation.override(language):
        rendered = Template("{% load currency_filters %}{{ v|currency:'CNY' }}").render(
            Context({"v": Decimal("1234.5")})
        )
        negative = Template("{% load currency_filters %}{{ v|currency:'CNY' }}").render(
            Context({"v": Decimal("-29.9")})
        )
    assert (rendered, negative) == ("¥1,234.50", "-¥29.90")
