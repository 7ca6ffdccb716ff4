"""Reading back what the impact exports wrote, for the tests that check it."""

import csv
import io
import zipfile


def read_csv(data: bytes) -> list[list[str]]:
    """The rows of a CSV export, which starts with the byte-order mark Excel needs."""
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def every_byte(data: bytes, fmt: str) -> bytes:
    """All an export holds, to search: a CSV as it is, an XLSX's zipped parts unpacked."""
    if fmt != "xlsx":
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())
