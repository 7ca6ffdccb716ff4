import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils import timezone

from impact.models import Assessment, Household, ReassessmentRun
from impact.monitoring.assessment import households_reassess
from impact.monitoring.runs import EvaluationBusy, reassessment_run_fail, reassessment_run_start


class Command(BaseCommand):
    help = "Re-run the warning rules on year Y's figures, as of today (periodic evaluation)."

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--all", action="store_true", help="every household")
        target.add_argument("--household", metavar="CODE", help="one household, by its code")
        parser.add_argument("--year", type=int, default=None, help="default: the current year")
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help="with --all: wait this long for another evaluation to finish (default: say so and stop)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or timezone.localdate().year
        run = None
        households: QuerySet[Household] | None
        if options["household"]:
            households = Household.objects.filter(code=options["household"])
            if not households.exists():
                raise CommandError(f"没有户编号为 {options['household']} 的农户。")
            channel = Assessment.Channel.SCREENING
        else:
            # Every household: one evaluation at a time (the lock), shown in the back office.
            households = None
            channel = Assessment.Channel.PERIODIC
            run = reassessment_run_start(why=ReassessmentRun.Why.MANUAL, year=year)
        started = time.perf_counter()
        try:
            report = households_reassess(
                households=households, year=year, channel=channel, run=run, wait=options["wait"]
            )
        except ValidationError as exc:
            message = " ".join(exc.messages)
            if run is not None:
                reassessment_run_fail(run=run, error=message)
            raise CommandError(message) from exc
        except EvaluationBusy as exc:
            if run is not None:
                reassessment_run_fail(run=run, error=str(exc))
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        levels = "，".join(
            f"{'ⅠⅡⅢⅣⅤ'[level - 1]}级 {count} 户" for level, count in sorted(report.by_level.items())
        )
        self.stdout.write(
            f"{year} 年度评估完成：{report.assessed} 户（{levels or '无'}），"
            f"无收入记录未评估 {report.skipped} 户，新开预警线索 {report.clues_opened} 条，用时 {elapsed:.1f} 秒。"
        )
