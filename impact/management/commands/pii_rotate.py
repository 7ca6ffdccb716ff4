"""pii_rotate: move every encrypted personal value under the newest of PII_KEYS."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from impact.monitoring.keys import ColumnCount, pii_rehash, pii_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted personal value (households, self-declarations, their "
        "history copies) under the first of PII_KEYS, in batches; safe to stop and run again. "
        "--check only counts the values not yet under it and checks the lookup hashes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="count values not yet under the newest key; fail if any, or if a lookup "
            "hash does not match",
        )
        parser.add_argument("--batch-size", type=int, default=500, metavar="N")
        parser.add_argument(
            "--rehash",
            action="store_true",
            help="recompute the ID numbers' lookup hashes under the current PII_HASH_KEY",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size 至少为 1")
        if options["rehash"]:
            changed = pii_rehash(batch_size=options["batch_size"])
            self.stdout.write(f"查找用哈希已按当前 PII_HASH_KEY 重算：{changed} 个有变化")
            return
        check = options["check"]

        def progress(count: ColumnCount) -> None:
            self.stdout.write(f"  {count.column}：已读 {count.values}，已重新加密 {count.rotated}")

        counts = pii_rotate(
            check=check,
            batch_size=options["batch_size"],
            progress=None if check else progress,
        )
        problems = []
        for count in counts:
            line = f"{count.column}：共 {count.values} 个，已在最新密钥下 {count.current} 个，" + (
                f"待重新加密 {count.stale} 个" if check else f"本次重新加密 {count.rotated} 个"
            )
            if count.undecryptable:
                line += f"，无法解密 {len(count.undecryptable)} 个"
                problems.append(
                    f"{count.column} 无法用任何 PII_KEYS 解密（主键 "
                    + ", ".join(str(pk) for pk in count.undecryptable[:20])
                    + ("…" if len(count.undecryptable) > 20 else "")
                    + "）"
                )
            if count.hash_mismatches:
                line += f"，查找用哈希不符 {len(count.hash_mismatches)} 个"
                problems.append(
                    f"{count.column} 的查找用哈希与 PII_HASH_KEY 不符"
                    f"（{len(count.hash_mismatches)} 个；PII_HASH_KEY 设错了，或需 --rehash）"
                )
            self.stdout.write(line)
        total = sum(count.values for count in counts)
        stale = sum(count.stale for count in counts)
        if check:
            self.stdout.write(f"合计 {total} 个，待重新加密 {stale} 个")
        else:
            rotated = sum(count.rotated for count in counts)
            self.stdout.write(f"合计 {total} 个，本次重新加密 {rotated} 个")
        if problems:
            raise CommandError("；".join(problems))
        if check and stale:
            raise CommandError(
                f"还有 {stale} 个值不在最新密钥下：运行 pii_rotate，之后才能删除旧密钥"
            )
