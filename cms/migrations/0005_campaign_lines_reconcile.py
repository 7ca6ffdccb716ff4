"""Campaign credit is bounded to the campaign's own products, ordered while its code was valid.

The existing campaign orders are credited under the rule: their lines of the
campaign's featured products, when the order was placed from the start of the
stream to ``CAMPAIGN_CODE_DAYS_AFTER_END`` days (7) after it ended. A campaign
order with no such line was never the campaign's sale and goes (the order stays).
The reports' summary tables carry the campaign per line from now on: run
``manage.py impact_rollup --rebuild`` after this migration on a database with
campaign orders (``impact_rollup --check`` shows whether it is needed).
"""

import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def credit_existing(apps, schema_editor):
    CampaignOrder = apps.get_model("cms", "CampaignOrder")
    CampaignOrderLine = apps.get_model("cms", "CampaignOrderLine")
    CampaignProduct = apps.get_model("cms", "CampaignProduct")
    Line = apps.get_model("order", "Line")
    days = datetime.timedelta(days=int(getattr(settings, "CAMPAIGN_CODE_DAYS_AFTER_END", 7)))
    for campaign_order in CampaignOrder.objects.select_related(
        "order", "campaign", "campaign__live_state"
    ).iterator():
        campaign = campaign_order.campaign
        live = getattr(campaign, "live_state", None)
        ended = (live.ended_at if live is not None else None) or campaign.ends_at
        placed = campaign_order.order.date_placed
        featured = CampaignProduct.objects.filter(page_id=campaign.pk).values("product_id")
        line_ids = (
            list(
                Line.objects.filter(
                    order_id=campaign_order.order_id, product_id__in=featured
                ).values_list("pk", flat=True)
            )
            if campaign.starts_at <= placed <= ended + days
            else []
        )
        if not line_ids:
            campaign_order.delete()
            continue
        CampaignOrderLine.objects.bulk_create(
            CampaignOrderLine(campaign_order=campaign_order, campaign_id=campaign.pk, line_id=pk)
            for pk in line_ids
        )


class Migration(migrations.Migration):

    dependencies = [
        ('cms', '0004_campaign_benefit_path'),
        ('order', '0021_billingaddress_code_shippingaddress_code'),
    ]

    operations = [
        migrations.CreateModel(
            name='CampaignOrderLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credited_lines', to='cms.campaignpage', verbose_name='campaign')),
                ('campaign_order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='cms.campaignorder', verbose_name='campaign order')),
                ('line', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='campaign_line', to='order.line', verbose_name='order line')),
            ],
            options={
                'verbose_name': 'campaign order line',
                'verbose_name_plural': 'campaign order lines',
            },
        ),
        migrations.RunPython(credit_existing, migrations.RunPython.noop),
    ]
