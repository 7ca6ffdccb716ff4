"""An XLSX file checked in bounded memory before openpyxl reads it.

openpyxl's read-only mode streams a worksheet's rows, but it loads the workbook's
whole shared-string table first, and a cell's text is held whole however long it
is: a workbook with one enormous cell (or a table of them) would take memory in
proportion. So the parts that matter are read here first with expat, a piece at
a time, holding no cell's text: the shared strings (each one's length counted),
then the sheet that will be imported (each cell's length, inline or shared, by
row). The first cell longer than ``limit`` characters is refused with its row
number as Excel shows it; a shared-string table bigger than ``strings_max``
bytes unpacked is refused as too big, before openpyxl loads it.
"""

from __future__ import annotations

import posixpath
import xml.parsers.expat
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

PIECE = 1 << 16  # bytes fed to the parser at a time
META_MAX = 8 << 20  # workbook.xml and its relations: small files, read whole
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class CellTooLong(Exception):
    """A cell longer than allowed, in ``row`` (None: a shared string no cell of the sheet uses)."""

    def __init__(self, row: int | None) -> None:
        super().__init__(row)
        self.row = row


class PartTooBig(Exception):
    """A part of the workbook bigger unpacked than allowed (``name``)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def _feed(
    archive: zipfile.ZipFile, name: str, parser: xml.parsers.expat.XMLParserType, most: int
) -> None:
    """Parse the part ``name`` a piece at a time; PartTooBig past ``most`` bytes unpacked."""
    seen = 0
    with archive.open(name) as part:
        while piece := part.read(PIECE):
            seen += len(piece)
            if seen > most:
                raise PartTooBig(name)
            parser.Parse(piece, False)
    parser.Parse(b"", True)


def _parser(
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None],
) -> xml.parsers.expat.XMLParserType:
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = False  # text comes in pieces, never gathered whole
    parser.StartElementHandler = lambda name, attrs: start(_local(name), attrs)
    parser.EndElementHandler = lambda name: end(_local(name))
    parser.CharacterDataHandler = text
    # No part of a workbook declares a DTD or entities: refused, as defusedxml does.
    parser.StartDoctypeDeclHandler = _forbidden
    parser.EntityDeclHandler = _forbidden
    return parser


def _forbidden(*_args: object) -> None:
    raise DefusedXmlException("a DTD or an entity in a workbook part")


def _long_shared_strings(archive: zipfile.ZipFile, name: str, *, limit: int, most: int) -> set[int]:
    """The indexes of the shared strings longer than ``limit`` characters."""
    long: set[int] = set()
    state = {"index": -1, "length": 0, "in_text": 0}

    def start(tag: str, _attrs: dict[str, str]) -> None:
        if tag == "si":
            state["index"] += 1
            state["length"] = 0
        elif tag == "t":
            state["in_text"] += 1

    def end(tag: str) -> None:
        if tag == "t":
            state["in_text"] -= 1
        elif tag == "si" and state["length"] > limit:
            long.add(state["index"])

    def text(data: str) -> None:
        if state["in_text"]:
            state["length"] += len(data)

    _feed(archive, name, _parser(start, end, text), most)
    return long


def _first_long_row(
    archive: zipfile.ZipFile, name: str, *, limit: int, long_strings: set[int]
) -> int | None:
    """The row of the sheet's first cell longer than ``limit`` (inline, or a long shared string)."""
    state: dict[str, int | str | None] = {"row": 0, "type": "", "length": 0, "capture": 0}
    index_text: list[str] = []

    class Found(Exception):
        pass

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "row":
            reference = attrs.get("r", "")
            row = state["row"]
            state["row"] = int(reference) if reference.isdigit() else int(row or 0) + 1
        elif tag == "c":
            state["type"] = attrs.get("t", "n")
            state["length"] = 0
        elif tag in ("v", "t"):
            state["capture"] = 1
            index_text.clear()

    def end(tag: str) -> None:
        if tag in ("v", "t"):
            state["capture"] = 0
            if tag == "v" and state["type"] == "s" and long_strings:
                index = "".join(index_text).strip()
                if index.isdigit() and int(index) in long_strings:
                    raise Found
        elif tag == "c" and int(state["length"] or 0) > limit:
            raise Found

    def text(data: str) -> None:
        if state["capture"]:
            state["length"] = int(state["length"] or 0) + len(data)
            if int(state["length"] or 0) > limit and state["type"] != "s":
                raise Found
            if len(index_text) < 4:  # a shared string's index is a short number
                index_text.append(data)

    try:
        # Each piece of a sheet is small, whatever the sheet's size: no bound on the whole.
        _feed(archive, name, _parser(start, end, text), most=1 << 62)
    except Found:
        return int(state["row"] or 0)
    return None


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    if archive.getinfo(name).file_size > META_MAX:
        raise PartTooBig(name)
    with archive.open(name) as part:
        data = part.read(META_MAX + 1)
    if len(data) > META_MAX:
        raise PartTooBig(name)
    return data


def _active_sheet(archive: zipfile.ZipFile) -> str | None:
    """The part openpyxl's ``workbook.active`` reads: the workbook view's active tab."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return None
    workbook = ElementTree.fromstring(_read_small(archive, "xl/workbook.xml"))
    relations = ElementTree.fromstring(_read_small(archive, "xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in relations.iter(f"{{{RELS_NS}}}Relationship")
    }
    sheets = [sheet.get(f"{{{DOC_RELS_NS}}}id") for sheet in workbook.iter(f"{{{SHEET_NS}}}sheet")]
    view = workbook.find(f"{{{SHEET_NS}}}bookViews/{{{SHEET_NS}}}workbookView")
    active = int(view.get("activeTab", "0")) if view is not None else 0
    if not sheets:
        return None
    target = targets.get(sheets[active if 0 <= active < len(sheets) else 0], "")
    path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    path = posixpath.normpath(path)
    return path if path in names else None


def xlsx_check(path: Path | IO[bytes], *, limit: int, strings_max: int) -> None:
    """Raise CellTooLong (with the row) or PartTooBig before openpyxl would hold either.

    A file that is not a workbook at all passes: openpyxl then says so in its own way.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return
    with archive:
        try:
            _check(archive, limit=limit, strings_max=strings_max)
        except (
            xml.parsers.expat.ExpatError,
            ElementTree.ParseError,
            DefusedXmlException,
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            KeyError,
            ValueError,
        ):
            return  # not a well-formed workbook: openpyxl refuses it in its own way


def _check(archive: zipfile.ZipFile, *, limit: int, strings_max: int) -> None:
    names = set(archive.namelist())
    long_strings: set[int] = set()
    if "xl/sharedStrings.xml" in names:
        long_strings = _long_shared_strings(
            archive, "xl/sharedStrings.xml", limit=limit, most=strings_max
        )
    sheet = _active_sheet(archive)
    if sheet is not None:
        row = _first_long_row(archive, sheet, limit=limit, long_strings=long_strings)
        if row is not None:
            raise CellTooLong(row)
    if long_strings:
        raise CellTooLong(None)
