from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from impact.monitoring.imports import KINDS, impact_import

KIND_NAMES = {
    "households": "农户",
    "incomes": "收入记录",
    "expenditures": "刚性支出",
    "thresholds": "扶贫标准",
}


class Command(BaseCommand):
    help = (
        "Import households, incomes, expenditures or thresholds from a CSV or XLSX file: "
        "all rows or none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="the staff account that imports, recorded as the author of each change",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        user = None
        if options["user"]:
            user = get_user_model()._default_manager.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"找不到用户「{options['user']}」。")
        try:
            result = impact_import(
                kind=kind, path=options["file"], dry_run=options["dry_run"], user=user
            )
        except ValueError as exc:  # ImportFileError included: the file cannot be read
            raise CommandError(str(exc)) from exc
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"导入失败：共 {len(result.errors)} 处错误，未写入任何数据。")
        name = KIND_NAMES[kind]
        if result.dry_run:
            self.stdout.write(
                f"试运行通过（未写入）：{name}将新增 {result.created} 条，更新 {result.updated} 条。"
            )
        else:
            self.stdout.write(
                f"导入完成：{name}新增 {result.created} 条，更新 {result.updated} 条。"
            )
