"""Data only: the campaign price benefit moved from cms/offers.py to cms/campaigns/offers.py.

Oscar imports a benefit's class from the dotted path stored in
``Benefit.proxy_class``, so the campaigns' existing benefits get the new path.
No schema change.
"""

from django.db import migrations

OLD = "cms.offers.CampaignPriceBenefit"
NEW = "cms.campaigns.offers.CampaignPriceBenefit"


def forwards(apps, schema_editor):
    apps.get_model("offer", "Benefit").objects.filter(proxy_class=OLD).update(proxy_class=NEW)


def backwards(apps, schema_editor):
    apps.get_model("offer", "Benefit").objects.filter(proxy_class=NEW).update(proxy_class=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_campaigns"),
        ("offer", "0013_range_excluded_categories"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
