import os
import sys
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.spreadsheets import FORMATS
from impact.reporting.exports import KINDS, impact_export_write


class Command(BaseCommand):
    help = (
        "Export warnings (one row per household) or attribution (one row per ledger entry) "
        "as CSV or XLSX; ID numbers masked."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="warnings or attribution")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, required=True)
        parser.add_argument("--out", type=Path, help="the file to write; default: stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        kind, fmt = options["kind"], options["fmt"]
        if kind not in KINDS:
            raise CommandError("未知的导出类型")
        out: Path | None = options["out"]
        if out is None:
            stream: Any = options.get("stdout") or sys.stdout  # a text console or a bytes buffer
            binary = getattr(stream, "buffer", stream)  # bytes, whatever the console encoding
            self._write(kind, fmt, binary)
            binary.flush()
            return
        # Rows go straight to disk; the file appears under its name only once complete.
        partial = out.with_name(out.name + ".part")
        try:
            with partial.open("wb") as handle:
                self._write(kind, fmt, handle)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"已导出到 {out}（{out.stat().st_size} 字节）。")

    def _write(self, kind: str, fmt: str, stream: IO[bytes]) -> None:
        try:
            impact_export_write(kind=kind, fmt=fmt, out=stream)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
