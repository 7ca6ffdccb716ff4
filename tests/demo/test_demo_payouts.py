"""load_demo's payouts: what 红土地 paid of what the demo sale made due, household by household."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from impact.ledger.payouts import payout_balances
from impact.models import Household, Payout
from producers.models import Producer

pytestmark = pytest.mark.django_db

D = Decimal


def test_load_demo_records_hongtudis_payouts_with_due_paid_out_and_outstanding():
    call_command("load_demo", force=True, stdout=StringIO())
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    balances = payout_balances(producer_ids=[producer.pk])
    codes = dict(Household.objects.values_list("pk", "code"))
    figures = {
        codes[household_id]: (b.due, b.paid_out, b.outstanding, b.paid_ahead)
        for (_producer_id, household_id), b in balances.items()
    }
    # Due from YX-DEMO-0001 (¥299.00 + ¥160.00 + ¥116.00), worked out from the links in demo/data.py:
    # household 1: 10 × 3.00; 4: 8% of 575.00; 5: 5% of 575.00; 7: 20% of 116.00.
    assert figures == {
        "530113-0001": (D("30.00"), D("30.00"), D("0.00"), D("0.00")),
        "530113-0004": (D("46.00"), D("50.00"), D("0.00"), D("4.00")),
        "530113-0005": (D("28.75"), D("25.00"), D("3.75"), D("0.00")),
        "530113-0007": (D("23.20"), D("0.00"), D("23.20"), D("0.00")),
    }
    payout = Payout.objects.get(household__code="530113-0005")
    assert (payout.method, payout.reference, payout.recorded_by.username) == (
        "wechat",
        "HTD-FH-0005",
        "hongtudi",
    )
    # Counted as payouts count (DESIGN.md): 34,480.00 recorded + 25.00 paid, over 5 members,
    # is 6,901.00 a head, over the monitoring line of 1.5 × 4,600.00 = 6,900.00.
    assert (D("34480.00") + payout.amount) / 5 > D("1.5") * D("4600.00")
    call_command("load_demo", force=True, stdout=StringIO())
    assert Payout.objects.count() == 3
