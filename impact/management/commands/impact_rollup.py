"""impact_rollup: rebuild the report summaries from the ledger, or take month-end level snapshots."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from impact.ledger.rollups import level_snapshot_take, rollups_check, rollups_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the impact reports' summary tables from the attribution ledger (--rebuild), "
        "and/or record the warning levels at the end of each of the last N months (--snapshots N)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="recompute every summary")
        parser.add_argument(
            "--check",
            action="store_true",
            help="compare every summary with the ledger and the payouts; fail on any difference",
        )
        parser.add_argument(
            "--snapshots", type=int, default=0, metavar="N", help="the last N months' level counts"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not (options["rebuild"] or options["check"] or options["snapshots"]):
            raise CommandError("给出 --rebuild、--check 或 --snapshots N")
        if options["check"]:
            compared, differences = rollups_check()
            for line in differences:
                self.stdout.write(line)
            if differences:
                raise CommandError(f"汇总与台账或兑付记录不一致：{len(differences)} 处")
            self.stdout.write(f"全部 {compared} 项汇总与台账、兑付记录一致")
        if not 0 <= options["snapshots"] <= 120:
            raise CommandError("--snapshots 应在 1 到 120 之间")
        if options["rebuild"]:
            counts = rollups_rebuild()
            self.stdout.write(
                f"销售汇总 {counts['sales']} 行，带动收入汇总 {counts['attribution']} 行，"
                f"农户分期汇总 {counts['households']} 行"
            )
        month = timezone.localdate().replace(day=1)
        for _i in range(options["snapshots"]):
            month = (month - datetime.timedelta(days=1)).replace(day=1)
            made = level_snapshot_take(month=month)
            self.stdout.write(f"{month:%Y-%m}：{made} 行")
