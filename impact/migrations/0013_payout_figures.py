"""Warning figures from paid-out income: assessments keep the platform payouts they counted, the
current level keeps the level without them, and sales credit records the counterfactual.

``Assessment.attributed`` becomes ``platform_income``: rows written before this migration hold
the due ledger's attributed amount there (their figures name it ``attributed_income``).
"""

import django.db.models.deletion
import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("impact", "0012_targets"),
        ("order", "0021_billingaddress_code_shippingaddress_code"),
        ("payments", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(
            model_name="assessment", old_name="attributed", new_name="platform_income"
        ),
        migrations.AddField(
            model_name="householdstatus",
            name="level_without",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=[(1, "Ⅰ 红"), (2, "Ⅱ 蓝"), (3, "Ⅲ 紫"), (4, "Ⅳ 黄"), (5, "Ⅴ 绿")],
                null=True,
                verbose_name="level without platform payouts",
            ),
        ),
        migrations.AddField(
            model_name="saleslevelchange",
            name="level_without",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=[(1, "Ⅰ 红"), (2, "Ⅱ 蓝"), (3, "Ⅲ 紫"), (4, "Ⅳ 黄"), (5, "Ⅴ 绿")],
                null=True,
                verbose_name="level without platform payouts",
            ),
        ),
        migrations.AddField(
            model_name="saleslevelchange",
            name="payouts",
            field=models.ManyToManyField(
                blank=True, related_name="level_changes", to="impact.payout", verbose_name="payouts"
            ),
        ),
        migrations.AddField(
            model_name="saleslevelchange",
            name="platform_after",
            field=models.DecimalField(
                decimal_places=2,
                max_digits=14,
                null=True,
                verbose_name="platform payouts counted after",
            ),
        ),
        migrations.AddField(
            model_name="saleslevelchange",
            name="platform_before",
            field=models.DecimalField(
                decimal_places=2,
                max_digits=14,
                null=True,
                verbose_name="platform payouts counted before",
            ),
        ),
        migrations.AddField(
            model_name="saleslevelchange",
            name="year",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="year"),
        ),
        migrations.AlterField(
            model_name="assessment",
            name="platform_income",
            field=models.DecimalField(
                decimal_places=2, max_digits=14, verbose_name="platform payouts counted"
            ),
        ),
        migrations.AlterField(
            model_name="saleslevelchange",
            name="lines",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="order.line", verbose_name="order lines"
            ),
        ),
        migrations.AlterField(
            model_name="saleslevelchange",
            name="payment_event",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="level_changes",
                to="payments.paymentevent",
            ),
        ),
        migrations.AddConstraint(
            model_name="incomerecord",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "platform_included__lte",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.expressions.CombinedExpression(
                                django.db.models.expressions.CombinedExpression(
                                    models.F("wages"), "+", models.F("operating")
                                ),
                                "+",
                                models.F("property_income"),
                            ),
                            "+",
                            models.F("transfers"),
                        ),
                    )
                ),
                name="income_platform_included_within_total",
            ),
        ),
    ]
