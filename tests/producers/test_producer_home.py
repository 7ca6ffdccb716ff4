"""A cooperative's own dashboard: its to-do cards, its certificates and their renewal (issue #19)."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from common.uploads import private_storage
from producers.models import Certificate, Producer
from producers.services import order_ship, product_certification
from tests.shop.payments.paying import awaiting_transfer, pay_in_full

from .documents import pdf_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_day")]

Product = get_model("catalogue", "Product")
User = get_user_model()

HONGTUDI = "dongchuan-hongtudi"
TEA = "YX-DC-004"  # 东川老鹰茶 250g: the demo's certification runs out in 20 days
POTATO = "YX-DC-001"


def _user(username: str):
    return User.objects.get(username=username)


def _producer() -> Producer:
    return Producer.objects.get(partner__code=HONGTUDI)


def _tea_certificate() -> Certificate:
    return Certificate.objects.get(
        product__upc=TEA, kind=Certificate.Kind.CERTIFICATION, status=Certificate.Status.APPROVED
    )


def _card(html: str, card_id: str) -> str:
    match = re.search(rf'id="{card_id}".*?</div>\s*</div>\s*</div>', html, re.S)
    assert match, card_id
    return match.group(0)


def _figure(card: str) -> str:
    match = re.search(r'class="yx-todo-figure">([^<]*)<', card)
    assert match
    return match.group(1)


def _home(client) -> str:
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------------- the home's cards


def test_the_teas_certificate_shows_on_the_home_with_its_days_left(client):
    client.force_login(_user("hongtudi"))

    card = _card(_home(client), "todo-certificates")

    assert "东川老鹰茶 250g" in card
    assert f"FP{timezone.localdate().year}-{TEA}" in card
    assert "20 天后到期" in card
    # Only the tea's runs out within 90 days: the licence has 300 days, the others to next year's end.
    assert _figure(card) == "1"
    assert "90 天内到期的证书和许可证" in card


def test_lines_to_ship_count_paid_unshipped_lines_of_its_own_only(client):
    client.force_login(_user("hongtudi"))
    before = int(_figure(_card(_home(client), "todo-ship")))

    unpaid = awaiting_transfer([(POTATO, 1)])
    assert _figure(_card(_home(client), "todo-ship")) == str(before)  # not paid: not to ship

    paid = awaiting_transfer([(POTATO, 2), (TEA, 1), ("YX-XD-001", 1)])  # and one of 岚峰's
    pay_in_full(paid, by=None)
    card = _card(_home(client), "todo-ship")
    assert _figure(card) == str(before + 2)
    assert "待发货的订单行" in card

    order_ship(
        order=paid,
        producer=_producer(),
        carrier="顺丰速运",
        tracking_number="SF1402345678901",
        by=_user("hongtudi"),
    )
    assert _figure(_card(_home(client), "todo-ship")) == str(before)
    assert unpaid.pk  # still awaiting payment, still not counted


def test_payouts_card_says_what_it_counts_and_links_to_payouts(client):
    client.force_login(_user("hongtudi"))

    card = _card(_home(client), "todo-payouts")

    assert reverse("dashboard:producer-payouts") in card
    assert re.search(r"应付 \d+ 户农户、尚未兑付", card)
    assert _figure(card).startswith("¥")


def test_a_user_of_no_producer_gets_no_todo_cards(client):
    client.force_login(_user("admin"))

    html = _home(client)

    assert 'id="producer-todo"' not in html


def test_the_dashboard_has_the_sites_branding_not_oscars(client):
    client.force_login(_user("hongtudi"))

    html = _home(client)

    assert 'class="yx-dashboard-logo" aria-hidden="true">益</span>' in html
    assert "/static/css/dashboard.css" in html
    assert "oscar/favicon.ico" not in html


def test_the_producers_pages_are_in_its_menu(client):
    client.force_login(_user("hongtudi"))

    html = _home(client)

    for name in (
        "dashboard:producer-sales",
        "dashboard:producer-impact",
        "dashboard:producer-arrears",
        "dashboard:producer-payouts",
        "dashboard:producer-certificates",
    ):
        assert f'class="dropdown-item" href="{reverse(name)}"' in html, name


def test_the_payouts_menu_entry_is_not_offered_to_the_platform(client):
    client.force_login(_user("admin"))

    html = client.get(reverse("dashboard:index")).content.decode()

    assert f'class="dropdown-item" href="{reverse("dashboard:producer-payouts")}"' not in html
    assert f'class="dropdown-item" href="{reverse("dashboard:producer-certificates")}"' in html


# ---------------------------------------------------------------------- certificates


def _renewal_data(certificate: Certificate, **overrides) -> dict:
    prefix = f"renew-{certificate.pk}-"
    data = {
        "number": "FP2027-YX-DC-004",
        "issuer": "昆明市东川区农业农村局",
        "valid_from": (certificate.valid_to + datetime.timedelta(days=1)).isoformat(),
        "valid_to": "2028-12-31",
        "document": SimpleUploadedFile("scan.pdf", pdf_bytes(), content_type="application/pdf"),
        **overrides,
    }
    return {prefix + key: value for key, value in data.items() if value is not None}


def test_the_certificates_page_lists_its_own_with_days_left(client):
    client.force_login(_user("hongtudi"))

    response = client.get(reverse("dashboard:producer-certificates"))

    assert response.status_code == 200
    html = response.content.decode()
    tea = _tea_certificate()
    row = re.search(rf'id="certificate-{tea.pk}".*?</tr>', html, re.S)
    assert row
    assert "FP" in row.group(0) and tea.issuer in row.group(0)
    assert "20 天后到期" in row.group(0)
    assert "yx-cert-expiring" in row.group(0)
    # Another producer's certificates are not on its page.
    assert "YX-XD-001" not in html


def test_a_renewal_waits_for_finance_and_then_counts(client):
    tea = _tea_certificate()
    product = tea.product
    client.force_login(_user("hongtudi"))

    response = client.post(
        reverse("dashboard:producer-certificates-renew", kwargs={"pk": tea.pk}),
        _renewal_data(tea),
    )

    assert response.status_code == 302
    renewal = Certificate.objects.get(renews=tea)
    assert renewal.status == Certificate.Status.PENDING
    assert renewal.number == "FP2027-YX-DC-004"
    assert renewal.submitted_by == _user("hongtudi")
    assert renewal.document.name.endswith(".pdf")
    assert private_storage().exists(renewal.document.name)
    # Pending: the day after the old one ends, the product is still not certified.
    day_after = tea.valid_to + datetime.timedelta(days=1)
    assert product_certification(product=product, on=day_after) is None
    # The home still lists the tea, with its renewal awaiting review.
    card = _card(_home(client), "todo-certificates")
    assert "20 天后到期" in card
    assert "续期待审核" in card

    # Operations may read the queue but not decide.
    client.force_login(_user("ops"))
    refused = client.post(
        reverse("dashboard:producer-certificates-review", kwargs={"pk": renewal.pk}),
        {"action": "approve"},
    )
    assert refused.status_code == 403
    renewal.refresh_from_db()
    assert renewal.status == Certificate.Status.PENDING

    client.force_login(_user("finance"))
    queue = client.get(reverse("dashboard:producer-certificates")).content.decode()
    assert f'id="review-{renewal.pk}"' in queue
    approved = client.post(
        reverse("dashboard:producer-certificates-review", kwargs={"pk": renewal.pk}),
        {"action": "approve", "note": ""},
    )
    assert approved.status_code == 302
    renewal.refresh_from_db()
    assert renewal.status == Certificate.Status.APPROVED
    assert renewal.reviewed_by == _user("finance")
    assert product_certification(product=product, on=day_after) == renewal
    # Renewed: the tea is off the producer's to-do list.
    client.force_login(_user("hongtudi"))
    assert "东川老鹰茶 250g" not in _card(_home(client), "todo-certificates")


def test_finance_rejects_with_a_reason_only(client):
    tea = _tea_certificate()
    client.force_login(_user("hongtudi"))
    client.post(
        reverse("dashboard:producer-certificates-renew", kwargs={"pk": tea.pk}),
        _renewal_data(tea),
    )
    renewal = Certificate.objects.get(renews=tea)
    client.force_login(_user("finance"))
    url = reverse("dashboard:producer-certificates-review", kwargs={"pk": renewal.pk})

    page = client.post(url, {"action": "reject", "note": ""}, follow=True).content.decode()
    renewal.refresh_from_db()
    assert renewal.status == Certificate.Status.PENDING
    assert "请填写驳回理由" in page

    client.post(url, {"action": "reject", "note": "扫描件不清晰"})
    renewal.refresh_from_db()
    assert renewal.status == Certificate.Status.REJECTED
    assert renewal.review_note == "扫描件不清晰"
    assert (
        product_certification(product=tea.product, on=tea.valid_to + datetime.timedelta(days=1))
        is None
    )


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"valid_to": "2020-01-01"}, "证书截止日期不能早于起始日期"),
        ({"valid_from": None}, "必需字段"),
        (
            {
                "document": SimpleUploadedFile(
                    "scan.pdf", b"<svg onload=alert(1)>", content_type="application/pdf"
                )
            },
            "请上传 PDF 文件，或 JPEG、PNG、WebP 图片",
        ),
    ],
    ids=["ends-before-it-starts", "no-start-date", "not-a-document"],
)
def test_a_bad_renewal_is_refused_with_its_reason_and_nothing_is_written(
    client, overrides, field_message
):
    tea = _tea_certificate()
    count = Certificate.objects.count()
    client.force_login(_user("hongtudi"))

    response = client.post(
        reverse("dashboard:producer-certificates-renew", kwargs={"pk": tea.pk}),
        _renewal_data(tea, **overrides),
    )

    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert Certificate.objects.count() == count


def test_a_renewal_must_run_past_the_current_certificate(client):
    tea = _tea_certificate()
    count = Certificate.objects.count()
    client.force_login(_user("hongtudi"))

    response = client.post(
        reverse("dashboard:producer-certificates-renew", kwargs={"pk": tea.pk}),
        _renewal_data(tea, valid_from="2026-01-01", valid_to=tea.valid_to.isoformat()),
    )

    assert response.status_code == 400
    assert (
        f"续期证书的有效期须晚于现证书的到期日 {tea.valid_to.isoformat()}"
        in response.content.decode()
    )
    assert Certificate.objects.count() == count


def test_another_producers_user_cannot_renew_its_certificate(client):
    tea = _tea_certificate()
    count = Certificate.objects.count()
    client.force_login(_user("lanfeng"))

    response = client.post(
        reverse("dashboard:producer-certificates-renew", kwargs={"pk": tea.pk}),
        _renewal_data(tea),
    )

    assert response.status_code == 404
    assert Certificate.objects.count() == count


@pytest.mark.parametrize("username", ["dongchuan", "dc-village", "zhibo", "canteen"])
def test_the_certificates_page_refuses_every_other_role(client, username):
    client.force_login(_user(username))

    response = client.get(reverse("dashboard:producer-certificates"))

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("dashboard:login"))


def test_a_finance_member_who_is_also_a_producers_user_gets_the_review_page(client):
    # Roles decide (common.roles), not the staff flag: platform finance reviews renewals,
    # even when the same account is also one of 红土地's users.
    hongtudi = Producer.objects.get(partner__users=_user("hongtudi"))
    hongtudi.partner.users.add(_user("finance"))
    client.force_login(_user("finance"))

    response = client.get(reverse("dashboard:producer-certificates"))

    assert response.status_code == 200
    assert response.context["staff_view"] is True
    assert response.context["can_review"] is True


def test_monitoring_staff_who_are_also_a_producers_user_are_refused_by_the_dashboard(client):
    # Monitoring staff see no shop dashboard page (shop/dashboard/apps.py), their producer's
    # certificates included.
    hongtudi = Producer.objects.get(partner__users=_user("hongtudi"))
    hongtudi.partner.users.add(_user("dongchuan"))
    client.force_login(_user("dongchuan"))

    response = client.get(reverse("dashboard:producer-certificates"))

    assert response.status_code == 403


def test_the_certificates_page_refuses_a_visitor(client):
    response = client.get(reverse("dashboard:producer-certificates"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard:login"))


def test_a_second_renewal_waits_for_the_first_to_be_reviewed(client):
    tea = _tea_certificate()
    client.force_login(_user("hongtudi"))
    url = reverse("dashboard:producer-certificates-renew", kwargs={"pk": tea.pk})
    assert client.post(url, _renewal_data(tea)).status_code == 302
    count = Certificate.objects.count()

    response = client.post(url, _renewal_data(tea, number="FP2027-AGAIN"))

    assert response.status_code == 400
    assert "该证书已有一份续期在等待审核" in response.content.decode()
    assert Certificate.objects.count() == count
    assert not Certificate.objects.filter(number="FP2027-AGAIN").exists()
