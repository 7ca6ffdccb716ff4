"""Certification (扶贫产品认定): on sale only while certified, reminders before it runs out."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.db.models.signals import pre_save
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from freezegun import freeze_time
from oscar.core.loading import get_class, get_model

from producers.certification import certificates_remind_and_expire, reminder_due
from producers.models import Certificate, CertificateReminder, Producer
from producers.tasks import producers_certificates_daily
from shop.partner.availability import NotCertified, ProducerNotApproved

Product = get_model("catalogue", "Product")
Selector = get_class("partner.strategy", "Selector")

pytestmark = pytest.mark.django_db

D = datetime.date
EMAIL = "hongtudi@example.com"


def at(day: datetime.date):
    """Freeze the clock at noon, Beijing time, on a day."""
    return freeze_time(f"{day.isoformat()} 04:00:00")  # 04:00 UTC is 12:00 in Asia/Shanghai


def in_chinese(availability) -> str:
    with translation.override("zh-hans"):
        return str(availability.message)


def certify(product, *, valid_from: D, valid_to: D, number: str = "FP-2026-001") -> Certificate:
    return Certificate.objects.create(
        producer=Producer.objects.get(partner__code="dongchuan-hongtudi"),
        product=product,
        kind=Certificate.Kind.CERTIFICATION,
        number=number,
        issuer="昆明市东川区农业农村局",
        valid_from=valid_from,
        valid_to=valid_to,
    )


def availability(product):
    return Selector().strategy().fetch_for_product(Product.objects.get(pk=product.pk)).availability


def basket_add(client, product):
    return client.post(
        reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1}, follow=True
    )


@pytest.fixture(autouse=True)
def _no_certificates_yet() -> None:
    """Start from no certificates: whatever the demo certified is set aside in the test's transaction."""
    CertificateReminder.objects.all().delete()
    Certificate.objects.all().delete()


@pytest.fixture
def producer() -> Producer:
    """东川红土地, approved, with one user who receives its mail."""
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    producer.status = Producer.Status.APPROVED
    producer.save(update_fields=["status"])
    user = get_user_model().objects.create_user(
        username="certificates-test", email=EMAIL, password="x"
    )
    producer.partner.users.set([user])
    return producer


@pytest.fixture
def potatoes(producer):
    return Product.objects.get(upc="YX-DC-001")


# ---------------------------------------------------------------------- on sale or not


def test_a_certified_product_of_an_approved_producer_can_be_bought(client, potatoes):
    certify(potatoes, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))
    with at(D(2026, 12, 31)):  # the last day of the certification
        assert availability(potatoes).is_available_to_buy is True
        page = client.get(potatoes.get_absolute_url())
        assert 'id="add_to_basket_form"' in page.content.decode()
        response = basket_add(client, potatoes)
    assert response.wsgi_request.basket.num_items == 1
    assert [line.product.upc for line in response.wsgi_request.basket.all_lines()] == ["YX-DC-001"]


def test_the_day_after_the_certification_ends_the_product_is_off_sale_and_says_why(
    client, potatoes
):
    certify(potatoes, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))
    with at(D(2027, 1, 1)):
        policy = availability(potatoes)
        assert isinstance(policy, NotCertified)
        assert policy.is_available_to_buy is False
        assert policy.expired_on == D(2026, 12, 31)
        reason = in_chinese(policy)
        assert "2026-12-31" in reason

        html = client.get(potatoes.get_absolute_url()).content.decode()
        assert reason in html
        assert 'id="add_to_basket_form"' not in html

        response = basket_add(client, potatoes)
    assert response.wsgi_request.basket.num_items == 0
    assert reason in response.content.decode()  # the refusal says why


def test_a_renewal_puts_the_product_back_on_sale(client, potatoes):
    certify(potatoes, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))
    with at(D(2027, 1, 5)):
        assert availability(potatoes).is_available_to_buy is False
        certify(potatoes, valid_from=D(2027, 1, 5), valid_to=D(2029, 12, 31), number="FP-2027-009")
        assert availability(potatoes).is_available_to_buy is True
        response = basket_add(client, potatoes)
    assert response.wsgi_request.basket.num_items == 1


def test_a_renewal_that_starts_later_puts_the_product_back_only_from_that_day(potatoes):
    certify(potatoes, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))
    certify(potatoes, valid_from=D(2027, 2, 1), valid_to=D(2029, 12, 31), number="FP-2027-009")
    with at(D(2027, 1, 31)):
        assert isinstance(availability(potatoes), NotCertified)
    with at(D(2027, 2, 1)):
        assert availability(potatoes).is_available_to_buy is True


def test_a_product_never_certified_cannot_be_bought_and_says_so(client, potatoes):
    policy = availability(potatoes)
    assert isinstance(policy, NotCertified)
    assert policy.expired_on is None
    html = client.get(potatoes.get_absolute_url()).content.decode()
    assert in_chinese(policy) in html
    assert 'id="add_to_basket_form"' not in html


def test_a_certificate_of_another_kind_does_not_put_the_product_on_sale(potatoes):
    Certificate.objects.create(
        producer=potatoes.stockrecords.get().partner.producer,
        product=potatoes,
        kind=Certificate.Kind.TEST_REPORT,
        number="JC-2026-1",
        issuer="云南省农产品质量检测中心",
        valid_from=D(2026, 1, 1),
        valid_to=D(2027, 12, 31),
    )
    with at(D(2026, 6, 1)):
        assert isinstance(availability(potatoes), NotCertified)


@pytest.mark.parametrize(
    "status", [Producer.Status.APPLIED, Producer.Status.RECOMMENDED, Producer.Status.REJECTED]
)
def test_a_producer_not_approved_cannot_sell_even_a_certified_product(client, potatoes, status):
    certify(potatoes, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))
    Producer.objects.filter(partner__code="dongchuan-hongtudi").update(status=status)
    with at(D(2026, 6, 1)):
        policy = availability(potatoes)
        assert isinstance(policy, ProducerNotApproved)
        assert policy.is_available_to_buy is False
        reason = in_chinese(policy)
        html = client.get(potatoes.get_absolute_url()).content.decode()
        assert reason in html
        assert 'id="add_to_basket_form"' not in html
        response = basket_add(client, potatoes)
    assert response.wsgi_request.basket.num_items == 0


def test_an_expired_certification_stops_checkout_of_a_basket_filled_before(client, potatoes):
    certify(potatoes, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))
    with at(D(2026, 12, 31)):
        assert basket_add(client, potatoes).wsgi_request.basket.num_items == 1
    with at(D(2027, 1, 1)):
        response = client.get(reverse("checkout:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("basket:summary")
    assert in_chinese(NotCertified(expired_on=D(2026, 12, 31))) in response.content.decode()


def cards_that_can_be_bought(response) -> int:
    html = response.content.decode()
    return sum(
        f'action="{reverse("basket:add", kwargs={"pk": product.pk})}"' in html
        for product in response.context["page_obj"].object_list
    )


def test_catalogue_query_count_is_the_same_once_products_are_certified(client):
    # Before: no producer approved, so the strategy never reads a certificate.
    Producer.objects.update(status=Producer.Status.APPLIED)
    client.get(reverse("catalogue:index"))  # the first visit makes the thumbnails
    with CaptureQueriesContext(connection) as uncertified:
        before = client.get(reverse("catalogue:index"))
    assert cards_that_can_be_bought(before) == 0

    # After: every producer approved and every product certified, so it reads them all.
    Producer.objects.update(status=Producer.Status.APPROVED)
    for product in Product.objects.filter(upc__startswith="YX-"):
        Certificate.objects.create(
            producer=product.stockrecords.get().partner.producer,
            product=product,
            kind=Certificate.Kind.CERTIFICATION,
            number=f"FP-{product.upc}",
            issuer="县农业农村局",
            valid_from=D(2020, 1, 1),
            valid_to=D(2099, 12, 31),
        )
    with CaptureQueriesContext(connection) as certified:
        after = client.get(reverse("catalogue:index"))
    assert len(after.context["page_obj"].object_list) == 14
    assert cards_that_can_be_bought(after) == 14
    assert len(certified) == len(uncertified)


# ---------------------------------------------------------------------- reminders


def test_reminder_due_is_the_most_urgent_lead_time_reached():
    end = D(2026, 12, 31)
    assert reminder_due(valid_to=end, today=D(2026, 10, 1)) is None  # 91 days left
    assert reminder_due(valid_to=end, today=D(2026, 10, 2)) == 90
    assert reminder_due(valid_to=end, today=D(2026, 11, 30)) == 90  # 31 days left
    assert reminder_due(valid_to=end, today=D(2026, 12, 1)) == 30
    assert reminder_due(valid_to=end, today=D(2026, 12, 23)) == 30  # 8 days left
    assert reminder_due(valid_to=end, today=D(2026, 12, 24)) == 7
    assert reminder_due(valid_to=end, today=D(2026, 12, 31)) == 7  # the last valid day
    assert reminder_due(valid_to=end, today=D(2027, 1, 1)) == 0  # off sale from today


def run(day: datetime.date, django_capture_on_commit_callbacks) -> dict:
    with django_capture_on_commit_callbacks(execute=True):
        return certificates_remind_and_expire(today=day)


def test_reminders_90_30_and_7_days_before_and_the_off_sale_notice_are_sent_once_each(
    potatoes, django_capture_on_commit_callbacks
):
    certificate = certify(potatoes, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))

    assert run(D(2026, 10, 1), django_capture_on_commit_callbacks) == {
        "reminded": 0,
        "expired": 0,
        "unreachable": 0,
    }
    assert mail.outbox == []

    assert run(D(2026, 10, 2), django_capture_on_commit_callbacks)["reminded"] == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    assert message.subject == "【益享】扶贫产品认定 FP-2026-001 将于 2026-12-31 到期（还剩 90 天）"
    assert "东川红土地大洋芋 5kg" in message.body
    assert "FP-2026-001" in message.body
    assert "昆明市东川区农业农村局" in message.body
    assert "2026-12-31" in message.body
    assert list(certificate.reminders.values_list("days_before", flat=True)) == [90]

    # Again the same day, and the next day: nothing new.
    assert run(D(2026, 10, 2), django_capture_on_commit_callbacks)["reminded"] == 0
    assert run(D(2026, 10, 3), django_capture_on_commit_callbacks)["reminded"] == 0
    assert len(mail.outbox) == 1

    assert run(D(2026, 12, 1), django_capture_on_commit_callbacks)["reminded"] == 1
    assert run(D(2026, 12, 2), django_capture_on_commit_callbacks)["reminded"] == 0
    assert run(D(2026, 12, 24), django_capture_on_commit_callbacks)["reminded"] == 1
    assert run(D(2026, 12, 31), django_capture_on_commit_callbacks)["reminded"] == 0
    assert [m.subject for m in mail.outbox] == [
        "【益享】扶贫产品认定 FP-2026-001 将于 2026-12-31 到期（还剩 90 天）",
        "【益享】扶贫产品认定 FP-2026-001 将于 2026-12-31 到期（还剩 30 天）",
        "【益享】扶贫产品认定 FP-2026-001 将于 2026-12-31 到期（还剩 7 天）",
    ]

    assert run(D(2027, 1, 1), django_capture_on_commit_callbacks) == {
        "reminded": 0,
        "expired": 1,
        "unreachable": 0,
    }
    assert run(D(2027, 1, 2), django_capture_on_commit_callbacks)["expired"] == 0
    assert len(mail.outbox) == 4
    notice = mail.outbox[3]
    assert notice.to == [EMAIL]
    assert (
        notice.subject
        == "【益享】东川红土地大洋芋 5kg 已停止销售：扶贫产品认定已于 2026-12-31 过期"
    )
    assert "已自动停止销售" in notice.body
    assert sorted(certificate.reminders.values_list("days_before", flat=True)) == [0, 7, 30, 90]


def test_after_missed_days_only_the_most_urgent_reminder_is_sent_not_all_at_once(
    potatoes, django_capture_on_commit_callbacks
):
    certificate = certify(potatoes, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))
    # First run on 20 December, 11 days before: the 30-day reminder, not the 90-day one too.
    assert run(D(2026, 12, 20), django_capture_on_commit_callbacks)["reminded"] == 1
    assert [m.subject for m in mail.outbox] == [
        "【益享】扶贫产品认定 FP-2026-001 将于 2026-12-31 到期（还剩 11 天）"
    ]
    # Next run four days before, then a week after the end: 7 days, then the notice.
    assert run(D(2026, 12, 27), django_capture_on_commit_callbacks)["reminded"] == 1
    assert run(D(2027, 1, 7), django_capture_on_commit_callbacks)["expired"] == 1
    assert len(mail.outbox) == 3
    assert sorted(certificate.reminders.values_list("days_before", flat=True)) == [0, 7, 30]


def test_a_renewed_certification_gets_no_reminder_and_no_off_sale_notice(
    potatoes, django_capture_on_commit_callbacks
):
    certify(potatoes, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))
    certify(potatoes, valid_from=D(2027, 1, 1), valid_to=D(2029, 12, 31), number="FP-2027-009")
    for day in (D(2026, 10, 2), D(2026, 12, 1), D(2026, 12, 24), D(2027, 1, 1)):
        assert run(day, django_capture_on_commit_callbacks) == {
            "reminded": 0,
            "expired": 0,
            "unreachable": 0,
        }
    assert mail.outbox == []
    assert CertificateReminder.objects.count() == 0


def test_a_licence_running_out_is_reminded_and_its_expiry_notified_without_an_off_sale_claim(
    producer, django_capture_on_commit_callbacks
):
    licence = Certificate.objects.create(
        producer=producer,
        kind=Certificate.Kind.LICENCE,
        number="JY15301130000001",
        issuer="东川区市场监督管理局",
        valid_from=D(2021, 7, 1),
        valid_to=D(2026, 6, 30),
    )
    assert run(D(2026, 6, 23), django_capture_on_commit_callbacks)["reminded"] == 1
    assert run(D(2026, 7, 1), django_capture_on_commit_callbacks)["expired"] == 1
    reminder, notice = mail.outbox
    assert reminder.subject == (
        "【益享】营业执照/食品经营许可证 JY15301130000001 将于 2026-06-30 到期（还剩 7 天）"
    )
    assert "相关商品" not in reminder.body
    assert notice.subject == "【益享】营业执照/食品经营许可证 JY15301130000001 已于 2026-06-30 过期"
    assert "停止销售" not in notice.body
    assert sorted(licence.reminders.values_list("days_before", flat=True)) == [0, 7]


def test_a_producer_without_an_email_is_recorded_as_unreachable(
    potatoes, producer, django_capture_on_commit_callbacks
):
    producer.partner.users.clear()
    certificate = certify(potatoes, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))
    assert run(D(2026, 12, 1), django_capture_on_commit_callbacks) == {
        "reminded": 1,
        "expired": 0,
        "unreachable": 1,
    }
    assert mail.outbox == []
    assert list(certificate.reminders.values_list("days_before", flat=True)) == [30]


def test_a_reminder_another_worker_recorded_at_the_same_moment_is_not_sent_twice(
    potatoes, django_capture_on_commit_callbacks
):
    first = certify(potatoes, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 30))
    second = certify(
        Product.objects.get(upc="YX-DC-002"),
        valid_from=D(2026, 1, 1),
        valid_to=D(2026, 12, 31),
        number="FP-2026-002",
    )

    def other_worker_records_second(sender, instance, **kwargs):
        # While this run records the first, another worker records the second:
        # after this run read which reminders exist, before it inserts its own.
        if instance.certificate_id == first.pk:
            CertificateReminder.objects.bulk_create(
                [CertificateReminder(certificate=second, days_before=30)]
            )

    pre_save.connect(other_worker_records_second, sender=CertificateReminder)
    try:
        report = run(D(2026, 12, 1), django_capture_on_commit_callbacks)
    finally:
        pre_save.disconnect(other_worker_records_second, sender=CertificateReminder)
    assert report == {"reminded": 1, "expired": 0, "unreachable": 0}
    assert [m.subject for m in mail.outbox] == [
        "【益享】扶贫产品认定 FP-2026-001 将于 2026-12-30 到期（还剩 29 天）"
    ]
    assert list(second.reminders.values_list("days_before", flat=True)) == [30]


def test_the_daily_task_reminds_for_today(potatoes, django_capture_on_commit_callbacks):
    certify(potatoes, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))
    with at(D(2026, 12, 24)), django_capture_on_commit_callbacks(execute=True):
        result = producers_certificates_daily.delay().get()
    assert result == {"reminded": 1, "expired": 0, "unreachable": 0}
    assert [m.subject for m in mail.outbox] == [
        "【益享】扶贫产品认定 FP-2026-001 将于 2026-12-31 到期（还剩 7 天）"
    ]
