"""load_demo: what it creates, and that a second run changes nothing."""

from io import StringIO

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import CommandError, call_command

from demo.data import COUNTIES

pytestmark = pytest.mark.django_db

DEMO_MODELS = [
    "impact.Region",
    "impact.Household",
    "impact.IncomeRecord",
    "impact.RigidExpenditure",
    "impact.Threshold",
    "impact.Assessment",
    "impact.HouseholdStatus",
    "impact.Clue",
    "impact.ClueStep",
    "impact.MonitoringTarget",
    "impact.StaffScope",
    "producers.Producer",
    "producers.OnboardingStep",
    "producers.Certificate",
    "producers.BenefitLink",
    "partner.Partner",
    "partner.StockRecord",
    "catalogue.Product",
    "catalogue.ProductImage",
    "catalogue.Category",
    "wagtailcore.Page",
    "wagtailcore.Site",
    "wagtailimages.Image",
    "cms.HomePageFeaturedProduct",
    "auth.User",
    "address.Country",
    "sites.Site",
    "units.WorkUnit",
    "units.WorkUnitStep",
    "units.WorkUnitMember",
    "order.Order",
    "order.Line",
    "payments.OrderPayment",
    "payments.BankTransfer",
    "payments.PaymentEvent",
    "impact.AttributionJob",
    "impact.AttributionEntry",
    "impact.SalesLevelChange",
    "impact.Payout",
    "impact.PayoutAllocation",
    "impact.SalesMonth",
    "impact.AttributionMonth",
    "impact.HouseholdPeriodIncome",
    "impact.ReachPeriod",
    "impact.BuyerMonth",
    "units.UnitPlan",
    "units.UnitOrder",
    "units.OrderList",
    "units.OrderListLine",
    "producers.Shipment",
    "cms.CampaignPage",
    "cms.CampaignHost",
    "cms.CampaignProducer",
    "cms.CampaignProduct",
    "cms.CampaignSharer",
    "cms.CampaignLive",
    "cms.CampaignOrder",
    "cms.CampaignOrderLine",
    "offer.ConditionalOffer",
    "offer.Range",
]


def snapshot() -> dict[str, str]:
    """Every demo row, serialised, model by model (Household is decrypted on read)."""
    result = {}
    for label in DEMO_MODELS:
        model = apps.get_model(label)
        result[label] = serializers.serialize("json", model.objects.order_by("pk"))
    return result


def test_demo_has_the_three_counties_and_enough_products_and_households():
    Region = apps.get_model("impact.Region")
    counties = Region.objects.filter(level="county").order_by("code")
    assert [(c.code, c.name) for c in counties] == [
        (county["code"], county["name"]) for county in COUNTIES
    ]
    assert apps.get_model("catalogue.Product").objects.count() == 14
    assert apps.get_model("catalogue.ProductImage").objects.count() == 14
    # 3 generated a village (11 villages: 33), and demo/data.py's 13 households in warning
    assert apps.get_model("impact.Household").objects.count() == 33 + 13
    assert apps.get_model("producers.Producer").objects.count() == 4


def test_demo_has_confirmed_targets_of_each_type_in_dongchuan_and_one_elimination():
    from impact.models import MonitoringTarget
    from impact.monitoring.access import Scope
    from impact.monitoring.targets import risk_elimination_obstacles
    from impact.reporting.staff import report_overview

    targets = MonitoringTarget.objects.filter(household__county__code="530113")
    current = targets.filter(eliminated_on__isnull=True)
    assert sorted(current.values_list("type", flat=True)) == [
        "marginal",
        "marginal",
        "sudden",
        "sudden",
        "unstable",
        "unstable",
    ]
    eliminated = targets.get(eliminated_on__isnull=False)
    assert eliminated.elimination_reason
    assert eliminated.clue.stage == "eliminated"
    assert (
        risk_elimination_obstacles(household=eliminated.household, today=eliminated.eliminated_on)
        == []
    )
    assert not MonitoringTarget.objects.exclude(household__county__code="530113").exists()
    dongchuan = next(
        row for row in report_overview(scope=Scope(None)).official_regions if row.name == "东川区"
    )
    assert (dongchuan.targets_total, dongchuan.eliminated) == (6, 1)


def test_load_demo_twice_changes_nothing():
    # The suite's demo has no sale (demo_load()); load_demo adds the paid demo order first.
    call_command("load_demo", force=True, stdout=StringIO())
    before = snapshot()
    out = StringIO()
    call_command("load_demo", force=True, stdout=out)
    assert "nothing changed" in out.getvalue()
    assert snapshot() == before


def test_demo_household_personal_data_is_encrypted_at_rest():
    from django.db import connection

    from impact.models import Household
    from impact.monitoring.pii import pii_hash

    household = Household.objects.order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, head_name FROM impact_household WHERE id = %s", [household.pk]
        )
        stored_id, stored_name = cursor.fetchone()
    assert household.id_number not in stored_id
    assert household.head_name not in stored_name
    assert len(household.id_number) == 18
    assert Household.objects.get(id_number_hash=pii_hash(household.id_number)) == household
    assert (
        household.id_number_masked
        == household.id_number[:6] + "********" + household.id_number[-4:]
    )


def test_load_demo_refuses_with_debug_off_unless_forced(settings):
    from oscar.core.loading import get_model

    Order = get_model("order", "Order")
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo", stdout=StringIO())

    # The suite's demo has no sale: a run that went ahead would have added order YX-DEMO-0001.
    assert not Order.objects.filter(number="YX-DEMO-0001").exists()
    call_command("load_demo", "--force", stdout=StringIO())
    assert Order.objects.filter(number="YX-DEMO-0001").exists()
