"""The demo's payouts (已兑付): what 红土地 actually paid the households its demo sale made due.

The sale YX-DEMO-0001 makes ¥127.95 due to four 东川区 households through 红土地's
links (data.DEMO_PAYOUTS). 红土地 records three payouts: the purchase premium in
full, the wages with ¥4.00 paid ahead, and part of the dividend to 530113-0005,
which is enough to lift that household over the line once the warning figures
count payouts; household 7's purchase premium stays outstanding. Recorded through
the same service the producer's dashboard uses; each is looked up by its
reference first, so a second run changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from impact.ledger.payouts import payout_record
from impact.models import Payout
from producers.models import BenefitLink, Producer

from . import data

if TYPE_CHECKING:
    from .services import DemoReport


def demo_payouts(report: DemoReport) -> None:
    """红土地's payouts for the demo sale, and the 东川区 staff login's right to record them."""
    User = get_user_model()
    county_staff = User.objects.get(username=data.DEMO_COUNTY_STAFF["username"])
    county_staff.user_permissions.add(
        Permission.objects.get(codename="add_payout", content_type__app_label="impact")
    )
    producer = Producer.objects.get(partner__code=data.DEMO_PAYOUT_PRODUCER)
    by = User.objects.get(username=data.DEMO_PAYOUT_LOGIN)
    for kind, amount, method, reference, note in data.DEMO_PAYOUTS:
        link = BenefitLink.objects.filter(producer=producer, kind=kind).order_by("pk").first()
        if link is None:
            continue
        if Payout.objects.filter(
            producer=producer, household=link.household, reference=reference
        ).exists():
            continue
        payout_record(
            producer=producer,
            household=link.household,
            amount=Decimal(amount),
            paid_on=timezone.localdate(),
            method=method,
            reference=reference,
            note=note,
            by=by,
        )
        report.count("payouts", True)
