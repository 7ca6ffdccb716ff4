"""Platform operations and platform finance as Django groups holding real permissions.

Finance's own permissions on payments ("record a bank transfer", "refund") are added to
``OrderPayment``; the two groups are created (or completed) with what each role does.
A fresh database has no permissions yet when this runs (Django makes them after every
migration), so they are made here first.
"""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

OPERATIONS_GROUP = "平台运营"
FINANCE_GROUP = "平台财务"

OPERATIONS = [
    ("wagtailadmin", "access_admin"),
    ("units", "view_workunit"),
    ("units", "add_workunit"),
    ("units", "change_workunit"),
    ("producers", "view_producer"),
    ("producers", "change_producer"),
    ("axes", "view_accessattempt"),
    ("axes", "delete_accessattempt"),  # unlocks a locked-out sign-in (/cms/security/lockouts/)
]
FINANCE = [
    ("wagtailadmin", "access_admin"),
    ("units", "view_workunit"),
    ("payments", "view_orderpayment"),
    ("payments", "record_transfer"),
    ("payments", "refund_payment"),
]


def groups_create(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for label in ("wagtailadmin", "units", "producers", "payments", "axes"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True  # a migration's stub has none; the models are there
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in ((OPERATIONS_GROUP, OPERATIONS), (FINANCE_GROUP, FINANCE)):
        group, _created = Group.objects.get_or_create(name=name)
        for app_label, codename in wanted:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("units", "0002_plans_orders_lists"),
        ("producers", "0004_arrears"),
        ("wagtailadmin", "0006_formstate"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="orderpayment",
            options={
                "permissions": [
                    ("record_transfer", "Can record a bank transfer"),
                    ("refund_payment", "Can refund a payment"),
                ],
                "verbose_name": "order payment",
                "verbose_name_plural": "order payments",
            },
        ),
        migrations.RunPython(groups_create, migrations.RunPython.noop),
    ]
