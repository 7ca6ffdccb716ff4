"""ledger_totals: the ledger's, payouts' and orders' totals, for backups and their restore drill."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from impact.ledger.totals import ledger_totals, pii_sample_check


def _flat(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [pair for key in sorted(value) for pair in _flat(f"{prefix}.{key}", value[key])]
    return [(prefix, value)]


class Command(BaseCommand):
    help = (
        "Print the totals a restored backup must give back, exact to the fen: the attribution "
        "ledger by kind, payouts (recorded, reversed, disputed), orders and payments, "
        "households, encrypted values per column; and decrypt a sample of the encrypted values "
        "with the current PII keys (fails if any does not open). --json for the scripts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON object, keys sorted")
        parser.add_argument(
            "--sample",
            type=int,
            default=20,
            metavar="N",
            help="encrypted values to decrypt per column (0: none)",
        )
        parser.add_argument(
            "--snapshot",
            default="",
            metavar="ID",
            help="read in this exported PostgreSQL snapshot (pg_export_snapshot()), "
            "the one pg_dump --snapshot dumps",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sample"] < 0:
            raise CommandError("--sample 不能为负数")
        with transaction.atomic():
            if options["snapshot"]:
                if connection.vendor != "postgresql":
                    raise CommandError("--snapshot 只适用于 PostgreSQL")
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    cursor.execute("SET TRANSACTION SNAPSHOT %s", [options["snapshot"]])
            totals = ledger_totals()
            samples = pii_sample_check(per_column=options["sample"]) if options["sample"] else []
        problems = []
        for sample in samples:
            if sample.undecryptable:
                problems.append(
                    f"{sample.column}：抽查 {sample.checked} 个，{len(sample.undecryptable)} 个"
                    "无法用当前 PII_KEYS 解密（主键 "
                    + ", ".join(str(pk) for pk in sample.undecryptable[:20])
                    + "）"
                )
            if sample.hash_mismatches:
                problems.append(
                    f"{sample.column}：{len(sample.hash_mismatches)} 个查找用哈希与 PII_HASH_KEY 不符"
                )
        totals["pii_sample"] = {
            "checked": sum(sample.checked for sample in samples),
            "failed": sum(
                len(sample.undecryptable) + len(sample.hash_mismatches) for sample in samples
            ),
        }
        if options["json"]:
            self.stdout.write(json.dumps(totals, sort_keys=True, ensure_ascii=False, indent=1))
        else:
            for key, value in _flat("", totals):
                self.stdout.write(f"{key[1:]} = {value}")
        if problems:
            raise CommandError(
                "；".join(problems)
                + "。备份不含密钥：从托管副本取回备份时所用的密钥（见 README「Personal data」）"
            )
