"""``manage.py bootstrap``: the first run of a production site (cms/bootstrap.py)."""

import os
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cms.bootstrap import (
    MULTIPLIER,
    NATIONAL_STANDARD,
    Administrator,
    BootstrapError,
    site_bootstrap,
)


def _decimal(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation as error:
        raise CommandError(f"Not a number: {value!r}") from error


class Command(BaseCommand):
    help = (
        "Create what a fresh production database needs: the CMS site root and the sites "
        "(host from SITE_URL), counties by division code, this year's threshold and the first "
        "administrator (ADMIN_USERNAME, ADMIN_EMAIL, ADMIN_PASSWORD). Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--site-url",
            default=os.environ.get("SITE_URL", ""),
            help="The public address (default: the SITE_URL environment variable; the settings' embedded default is not a public address).",
        )
        parser.add_argument(
            "--county",
            action="append",
            dest="counties",
            metavar="CODE",
            help="A county's six-digit division code; repeat for several "
            "(default: REGION_CODES, comma-separated).",
        )
        parser.add_argument("--year", type=int, default=timezone.localdate().year)
        parser.add_argument(
            "--national-standard", type=_decimal, default=NATIONAL_STANDARD, metavar="YUAN"
        )
        parser.add_argument("--multiplier", type=_decimal, default=MULTIPLIER)

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["site_url"]:
            raise CommandError("Set SITE_URL (or --site-url) to the site's public address.")
        counties = options["counties"] or [
            code.strip() for code in os.environ.get("REGION_CODES", "").split(",") if code.strip()
        ]
        username = os.environ.get("ADMIN_USERNAME", "").strip()
        administrator = (
            Administrator(
                username=username,
                email=os.environ.get("ADMIN_EMAIL", "").strip(),
                password=os.environ.get("ADMIN_PASSWORD", ""),
            )
            if username
            else None
        )
        try:
            report = site_bootstrap(
                site_url=options["site_url"],
                county_codes=counties,
                year=options["year"],
                national_standard=options["national_standard"],
                multiplier=options["multiplier"],
                administrator=administrator,
            )
        except BootstrapError as error:
            raise CommandError(str(error)) from error
        for what in report.changed:
            self.stdout.write(f"made: {what}")
        for what in report.unchanged:
            self.stdout.write(f"already there: {what}")
        if not counties:
            self.stdout.write("No county codes given (--county or REGION_CODES): no regions made.")
        if report.changed:
            self.stdout.write(self.style.SUCCESS(f"Bootstrap done: {len(report.changed)} made."))
        else:
            self.stdout.write("Everything already in place: nothing changed.")
