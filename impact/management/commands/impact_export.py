import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from impact.exports import FORMATS, impact_export


class Command(BaseCommand):
    help = "Export warnings (one row per household, ID numbers masked) as CSV or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="warnings")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, required=True)
        parser.add_argument("--out", type=Path, help="the file to write; default: stdout")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        try:
            data = impact_export(kind=options["kind"], fmt=options["fmt"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        out: Path | None = options["out"]
        if out is None:
            stream = options.get("stdout") or sys.stdout
            binary = getattr(stream, "buffer", stream)  # bytes, whatever the console encoding
            binary.write(data)
            binary.flush()
            return
        out.write_bytes(data)
        self.stdout.write(f"已导出到 {out}（{len(data)} 字节）。")
