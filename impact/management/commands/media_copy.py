"""Copy stored files, names kept, between a storage alias and a folder (or two of either).

    manage.py media_copy --from default --to /backup/media      # the media bucket to a folder
    manage.py media_copy --from private --to /backup/private    # the private bucket to a folder
    manage.py media_copy --from media --to default              # a local folder into the bucket

An argument that names an alias of ``STORAGES`` ("default", "private") is that storage;
anything else is a folder. A file already at the destination with the same size is left
alone, so a copy may be run again to catch up. README "Object storage".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.management.base import BaseCommand, CommandError, CommandParser


def storage_named(name: str) -> Storage:
    """The storage alias ``name``, or a folder of that name."""
    if name in settings.STORAGES and name != "staticfiles":
        return storages[name]
    if ":" in name or name.startswith("-"):
        raise CommandError(f"{name!r} is neither a storage alias nor a folder.")
    return FileSystemStorage(location=Path(name).resolve())


def stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file's name in ``storage``, depth first."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a folder that does not exist yet holds nothing
        return
    for file in sorted(files):
        yield f"{folder}{file}"
    for sub in sorted(folders):
        yield from stored_names(storage, f"{folder}{sub}/")


def media_copy(*, source: Storage, target: Storage) -> tuple[int, int]:
    """Copy every file of ``source`` to ``target`` under the same name; (copied, skipped)."""
    copied = skipped = 0
    for name in stored_names(source):
        size = source.size(name)
        if target.exists(name):
            if target.size(name) == size:
                skipped += 1
                continue
            target.delete(name)
        with source.open(name, "rb") as handle:
            saved = target.save(name, handle)
        if saved != name:
            raise CommandError(f"{name} was stored as {saved}: the names would not match.")
        copied += 1
    return copied, skipped


class Command(BaseCommand):
    help = "Copy stored files (names kept) between a storage alias and a folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", required=True)
        parser.add_argument("--to", dest="target", required=True)

    def handle(self, *args: Any, source: str, target: str, **options: Any) -> None:
        if source == target:
            raise CommandError("--from and --to are the same.")
        copied, skipped = media_copy(source=storage_named(source), target=storage_named(target))
        self.stdout.write(f"{copied} copied, {skipped} already there.")
