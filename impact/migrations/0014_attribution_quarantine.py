"""Attribution jobs can be quarantined (issue #20): a job that fails is marked with its error
and left for platform operations to retry, and workers claim ready jobs by a partial index."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('impact', '0013_payout_figures'),
        ('payments', '0002_roles_platform_groups'),
    ]

    operations = [
        migrations.AddField(
            model_name='attributionjob',
            name='error',
            field=models.TextField(blank=True, verbose_name='error'),
        ),
        migrations.AddField(
            model_name='attributionjob',
            name='quarantined_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='quarantined at'),
        ),
        migrations.AddField(
            model_name='attributionjob',
            name='retries',
            field=models.PositiveIntegerField(default=0, verbose_name='retries'),
        ),
        migrations.AddIndex(
            model_name='attributionjob',
            index=models.Index(condition=models.Q(('done_at__isnull', True), ('quarantined_at__isnull', True)), fields=['payment_event'], name='attribution_job_ready'),
        ),
    ]
