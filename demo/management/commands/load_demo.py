from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.data import (
    DEMO_CANTEEN_BUYER,
    DEMO_COUNTY_STAFF,
    DEMO_SALE_HOUSEHOLD,
    DEMO_SALE_NUMBER,
    DEMO_STAFF,
)
from demo.services import demo_load


class Command(BaseCommand):
    help = (
        "Load the demo data (regions, producers, products, households, pages) and a paid "
        "demo order with its attribution. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load it even with DEBUG off (a staging copy): it makes logins with "
            "published passwords, the superuser admin among them.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: this looks like production, and the demo makes logins with "
                "published passwords (admin / yixiang-demo). Use manage.py bootstrap for a "
                "first run; load_demo --force only on a copy nobody outside can reach."
            )
        report = demo_load(sale=True)
        if report.created:
            created = ", ".join(f"{count} {what}" for what, count in sorted(report.created.items()))
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {created}."))
        else:
            self.stdout.write("Demo data already present: nothing changed.")
        self.stdout.write(f"Demo staff login: {DEMO_STAFF['username']} / {DEMO_STAFF['password']}")
        self.stdout.write(
            "东川区 monitoring staff (sees only 东川区): "
            f"{DEMO_COUNTY_STAFF['username']} / {DEMO_COUNTY_STAFF['password']}"
        )
        self.stdout.write(
            "School canteen buyer (pays after delivery): "
            f"{DEMO_CANTEEN_BUYER['username']} / {DEMO_CANTEEN_BUYER['password']}"
        )
        self.stdout.write(
            f"Demo sale: order {DEMO_SALE_NUMBER}, paid; its sale made amounts due to households, "
            f"and the producer's recorded payout (not the sale) lifts household "
            f"{DEMO_SALE_HOUSEHOLD} from yellow to green (/cms/impact/households/)."
        )
