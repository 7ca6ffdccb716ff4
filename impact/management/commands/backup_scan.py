"""backup_scan: refuse a backup that holds a PII key, the lookup hash's key or SECRET_KEY."""

import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from impact.ledger.totals import backup_secrets

CHUNK = 1 << 20
SHORTEST = 8  # a shorter secret would match by chance (and is no secret)


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        yield from _chunks(stream)


def _streams(path: Path) -> Iterator[tuple[str, Iterator[bytes]]]:
    """What the file holds, as it would be read back: archives opened, dumps as SQL."""
    name = path.name
    if name.endswith((".tar", ".tar.gz", ".tgz")):
        with tarfile.open(path) as archive:
            for member in archive:
                if member.isfile():
                    extracted = archive.extractfile(member)
                    if extracted is not None:
                        yield f"{path}:{member.name}", _chunks(extracted)
                yield f"{path}:{member.name} (name)", iter([member.name.encode()])
    elif name.endswith(".dump"):
        pg_restore = shutil.which("pg_restore")
        if pg_restore is None:
            raise CommandError("需要 pg_restore 读取 .dump 文件（PostgreSQL 客户端）")
        # The arguments are this program's and a file name: no shell, nothing interpreted.
        with subprocess.Popen(  # noqa: S603
            [pg_restore, "--file=-", str(path)], stdout=subprocess.PIPE
        ) as process:
            assert process.stdout is not None
            yield f"{path} (as SQL)", _chunks(process.stdout)
            process.stdout.close()
            if process.wait() != 0:
                raise CommandError(f"pg_restore 读不了 {path}")
    yield str(path), _file_chunks(path)


def _env_file(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base == ".env" or base.endswith(".env") or base.startswith(".env.")


class Command(BaseCommand):
    help = (
        "Read every file of a backup directory (tar archives opened, pg_dump files read as "
        "SQL) and fail if any holds a PII key, PII_HASH_KEY or SECRET_KEY of this process's "
        "settings, or is an environment (.env) file. Names the secret and the file, never "
        "the value."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory")

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(options["directory"])
        if not root.is_dir():
            raise CommandError(f"不是目录：{root}")
        secrets = {name: value.encode() for name, value in backup_secrets().items() if value}
        for name, value in secrets.items():
            if len(value) < SHORTEST:
                raise CommandError(f"{name} 短于 {SHORTEST} 个字符：换一个真正的密钥")
        longest = max(len(value) for value in secrets.values())
        found = []
        scanned = 0
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            for label, chunks in _streams(path):
                if _env_file(label.removesuffix(" (name)")):
                    found.append(f"{label}：环境变量文件")
                tail = b""
                for chunk in chunks:
                    window = tail + chunk
                    for name, value in secrets.items():
                        if value in window:
                            found.append(f"{label}：含 {name}")
                    tail = window[-(longest - 1) :] if longest > 1 else b""
                scanned += not label.endswith(" (name)")
        found = sorted(set(found))
        for line in found:
            self.stderr.write(line)
        if found:
            raise CommandError(
                f"备份含密钥或环境变量文件（{len(found)} 处）：不得保留这份备份。"
                "密钥只放在部署的机密存储和托管副本里（README「Personal data」的 Key escrow）"
            )
        self.stdout.write(f"已检查 {scanned} 个文件或成员：不含 PII 密钥、PII_HASH_KEY、SECRET_KEY")
