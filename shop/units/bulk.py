"""Bulk ordering: an order list (quick-order rows or an uploaded CSV/XLSX file) into the basket.

Every row is checked before anything goes into the basket (unknown product,
not on sale, not enough stock, bad quantity, the same product twice); a list
with any bad row adds nothing and reports every bad row by its number: the
row staff see in Excel (the header is row 1), or the row of the quick-order form.

Files are read with ``common.spreadsheets``' reader (CSV in UTF-8, UTF-8 with BOM
or GBK; XLSX), so an order list is read exactly as a households file is.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from common.spreadsheets import ImportFileError, cell_text, read_spreadsheet
from shop.partner.availability import NotCertified, ProducerNotApproved

Product = get_model("catalogue", "Product")

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 500
MAX_QUANTITY = 9999
QUANTITY = re.compile(r"^\d+$")
# The header row: Chinese as buyers have it in Excel, or English.
CODE_HEADERS = ("商品编码", "upc", "product code", "code")
QUANTITY_HEADERS = ("数量", "quantity", "qty")
TEMPLATE_HEADER = ("商品编码", "数量", "商品名称（可不填）")


class OrderListFileError(ValueError):
    """The file cannot be read as an order list at all: its type, size, encoding or header."""


@dataclass(frozen=True)
class WantedLine:
    """A row as the buyer typed it: its number, the product code and the quantity, unchecked."""

    row: int
    code: str
    quantity: str


@dataclass(frozen=True)
class BasketLine:
    """A checked row: a product that can be bought, and how many."""

    row: int
    product: Any
    quantity: int


@dataclass(frozen=True, order=True)
class RowProblem:
    row: int
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class CheckedList:
    lines: list[BasketLine]
    problems: list[RowProblem]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.lines)


# ---------------------------------------------------------------------- reading a file


def order_list_read(*, upload: UploadedFile) -> list[WantedLine]:
    """The rows of an uploaded order list; OrderListFileError when it cannot be one."""
    name = upload.name or ""
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise OrderListFileError(
            _("Upload a CSV or XLSX file; “%(name)s” is neither.") % {"name": name[:80]}
        )
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise OrderListFileError(_("The file is larger than 2 MB; split the list into parts."))
    with tempfile.TemporaryDirectory(prefix="yixiang-order-list-") as folder:
        path = Path(folder) / f"order-list{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            raise OrderListFileError(_("The file is larger than 2 MB; split the list into parts."))
        try:
            with closing(read_spreadsheet(path)) as rows:
                return _wanted(rows)
        except ImportFileError as exc:
            raise OrderListFileError(
                _("The file cannot be read: %(reason)s") % {"reason": exc}
            ) from exc


def _wanted(rows: Iterator[tuple[int, list[Any]]]) -> list[WantedLine]:
    try:
        _number, header_cells = next(rows)
    except StopIteration:
        raise OrderListFileError(_("The file is empty: row 1 should be the header.")) from None
    headers = [cell_text(cell).lstrip("\ufeff").strip().lower() for cell in header_cells]
    code_at = _column(headers, CODE_HEADERS)
    quantity_at = _column(headers, QUANTITY_HEADERS)
    if code_at is None or quantity_at is None:
        raise OrderListFileError(
            _("Row 1 should be the header with the columns “商品编码” and “数量”.")
        )
    wanted = []
    for number, cells in rows:
        code = cell_text(cells[code_at]) if code_at < len(cells) else ""
        quantity = cell_text(cells[quantity_at]) if quantity_at < len(cells) else ""
        if not code and not quantity:
            continue  # a blank row
        wanted.append(WantedLine(row=number, code=code, quantity=quantity))
        if len(wanted) > MAX_ROWS:
            raise OrderListFileError(
                _("An order list has at most %(max)s rows; split it into parts.")
                % {"max": MAX_ROWS}
            )
    return wanted


def _column(headers: Sequence[str], names: Iterable[str]) -> int | None:
    for name in names:
        if name in headers:
            return headers.index(name)
    return None


# ---------------------------------------------------------------------- checking rows


def order_lines_check(*, wanted: Sequence[WantedLine], basket: Any) -> CheckedList:
    """Check every row against the catalogue, the selling rules and the stock left.

    What the basket already holds counts against the stock. Nothing is written.
    """
    problems: list[RowProblem] = []
    if not wanted:
        return CheckedList([], [RowProblem(1, _("The list has no product rows."))])
    codes = {line.code.strip().upper() for line in wanted if line.code.strip()}
    products = {
        product.upc.upper(): product
        for product in Product.objects.filter(upc__in=_spellings(codes)).select_related("parent")
    }
    in_basket = _basket_quantities(basket)
    first_row: dict[int, int] = {}
    lines: list[BasketLine] = []
    for line in wanted:
        code = line.code.strip().upper()
        quantity = _quantity(line.quantity)
        if not code:
            problems.append(RowProblem(line.row, _("enter a product code.")))
        if quantity is None:
            shown = line.quantity[:20]
            problems.append(
                RowProblem(
                    line.row,
                    _("the quantity “%(value)s” is not a whole number from 1 to %(max)s.")
                    % {"value": shown, "max": MAX_QUANTITY}
                    if shown
                    else _("enter a quantity."),
                )
            )
        if not code:
            continue
        product = products.get(code)
        if product is None:
            problems.append(
                RowProblem(
                    line.row,
                    _("there is no product with the code “%(code)s”.")
                    % {"code": line.code.strip()[:40]},
                )
            )
            continue
        if product.pk in first_row:
            problems.append(
                RowProblem(
                    line.row,
                    _("“%(code)s” is already on row %(first)s; give its total quantity on one row.")
                    % {"code": product.upc, "first": first_row[product.pk]},
                )
            )
            continue
        first_row[product.pk] = line.row
        problem = _availability_problem(basket, product, (quantity or 1), in_basket)
        if problem:
            problems.append(RowProblem(line.row, problem))
            continue
        if quantity is not None:
            lines.append(BasketLine(row=line.row, product=product, quantity=quantity))
    threshold = getattr(settings, "OSCAR_MAX_BASKET_QUANTITY_THRESHOLD", None)
    if not problems and threshold:
        total = sum(in_basket.values()) + sum(line.quantity for line in lines)
        if total > threshold:
            problems.append(
                RowProblem(
                    lines[-1].row,
                    _("a basket holds at most %(max)s items; order the list in parts.")
                    % {"max": threshold},
                )
            )
    problems.sort()
    return CheckedList(lines=[] if problems else lines, problems=problems)


def _spellings(codes: set[str]) -> set[str]:
    """Codes as typed and upper-cased: UPCs are stored as their producers wrote them."""
    return codes | {code.lower() for code in codes}


def _quantity(value: str) -> int | None:
    value = (value or "").strip()
    if not QUANTITY.match(value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_QUANTITY else None


def _basket_quantities(basket: Any) -> dict[int, int]:
    if basket is None or not basket.id:
        return {}
    quantities: dict[int, int] = {}
    for product_id, quantity in basket.lines.values_list("product_id", "quantity"):
        quantities[product_id] = quantities.get(product_id, 0) + quantity
    return quantities


def _availability_problem(
    basket: Any, product: Any, quantity: int, in_basket: dict[int, int]
) -> str | None:
    info = basket.strategy.fetch_for_product(product)
    stockrecord = info.stockrecord
    availability = info.availability
    name = product.get_title()
    if stockrecord is None or not info.price.exists or not product.is_public:
        return _("“%(name)s” is not on sale.") % {"name": name}
    already = in_basket.get(product.pk, 0)
    wanted = quantity + already
    permitted, _reason = availability.is_purchase_permitted(wanted)
    if permitted:
        return None
    left = stockrecord.net_stock_level if stockrecord.num_in_stock is not None else None
    if (
        isinstance(availability, NotCertified | ProducerNotApproved)
        or left is None
        or left >= wanted
    ):
        return _("“%(name)s” is not on sale: %(reason)s.") % {
            "name": name,
            "reason": str(availability.message).rstrip("。."),
        }
    available = max(left - already, 0)
    if already:
        return _(
            "not enough stock of “%(name)s”: %(available)s more can be bought "
            "(your basket already holds %(already)s)."
        ) % {"name": name, "available": available, "already": already}
    return _("not enough stock of “%(name)s”: %(available)s can be bought.") % {
        "name": name,
        "available": available,
    }


# ---------------------------------------------------------------------- into the basket


def basket_lines_add(*, basket: Any, lines: Sequence[BasketLine]) -> int:
    """Put checked lines into the basket, all or none; returns the number of items added."""
    if not lines:
        raise ValidationError(_("There is nothing to add to the basket."))
    with transaction.atomic():
        if not basket.id:
            basket.save()
        for line in lines:
            basket.add_product(line.product, quantity=line.quantity)
    basket.reset_offer_applications()
    return sum(line.quantity for line in lines)


def order_list_template_rows() -> list[tuple[str, ...]]:
    """The header and two example rows of the order-list template buyers download."""
    examples = Product.objects.filter(upc__in=["YX-DC-001", "YX-DC-002"]).order_by("upc")
    rows: list[tuple[str, ...]] = [TEMPLATE_HEADER]
    rows += [(product.upc, "10", product.get_title()) for product in examples]
    return rows
