"""common.spreadsheets: text that looks like a formula never runs; numbers stay numbers; files read in every encoding.

Every export goes through the one writer; the last tests show it for the two
exports that did not guard before it (the campaign report, the report tables).
"""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from oscar.core.loading import get_model

from cms.campaigns.services import campaign_sharer_add
from common.spreadsheets import ImportFileError, Sheet, read_spreadsheet, spreadsheet_bytes
from tests.cms.campaigns import make_campaign
from tests.cms.orders import buy
from tests.producers.factories import staff_user

Product = get_model("catalogue", "Product")

# (written, what the file holds): a leading ' makes each inert.
FORMULAS = [
    ("=1+1", "'=1+1"),
    ("+1+1", "'+1+1"),
    ("-1+1", "'-1+1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
]
HYPERLINK = '=HYPERLINK("http://x")'
HYPERLINK_INERT = '\'=HYPERLINK("http://x")'


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def one_sheet(rows: list[list[object]], fmt: str) -> bytes:
    return spreadsheet_bytes([Sheet("表", ["值"], rows)], fmt=fmt)


# ---------------------------------------------------------------------- the guard


@pytest.mark.parametrize(("written", "held"), FORMULAS)
def test_csv_text_that_starts_like_a_formula_is_written_inert(written, held):
    rows = csv_rows(one_sheet([[written]], "csv"))

    assert rows == [["值"], [held]]


@pytest.mark.parametrize(
    ("written", "held"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        # XML reads a carriage return back as a line feed; the leading ' is what matters.
        ("\r=1+1", "'\n=1+1"),
    ],
)
def test_xlsx_text_that_starts_like_a_formula_is_a_string_not_a_formula(written, held):
    sheet = load_workbook(io.BytesIO(one_sheet([[written]], "xlsx"))).active

    cell = sheet["A2"]
    assert cell.data_type == "s"
    assert cell.value == held


def test_xlsx_a_formula_behind_a_character_a_workbook_refuses_is_still_inert():
    sheet = load_workbook(io.BytesIO(one_sheet([["\x01=1+1"]], "xlsx"))).active

    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == "'=1+1"


def test_ordinary_text_is_written_as_it_is():
    rows = csv_rows(one_sheet([["530113-0001"], ["东川老鹰茶 250g"], ["a=b"]], "csv"))

    assert rows == [["值"], ["530113-0001"], ["东川老鹰茶 250g"], ["a=b"]]


def test_numbers_even_negative_ones_are_not_altered():
    rows = [[Decimal("-3.50"), -7, Decimal("12.00"), 0, None]]
    sheet = Sheet("表", ["a", "b", "c", "d", "e"], rows)

    assert csv_rows(spreadsheet_bytes([sheet], fmt="csv"))[1] == ["-3.50", "-7", "12.00", "0", ""]
    workbook = load_workbook(io.BytesIO(spreadsheet_bytes([sheet], fmt="xlsx")))
    cells = workbook.active[2]
    assert [cell.data_type for cell in cells[:4]] == ["n", "n", "n", "n"]
    assert [cell.value for cell in cells] == [-3.5, -7, 12, 0, None]
    assert cells[0].number_format == cells[2].number_format == "0.00"


# ---------------------------------------------------------------------- the reader


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_files_are_read_in_utf8_with_or_without_bom_and_in_gbk(tmp_path, encoding):
    path = tmp_path / "households.csv"
    path.write_bytes("户编号,户主姓名\r\n530113-0001,张三\r\n".encode(encoding))

    assert list(read_spreadsheet(path)) == [
        (1, ["户编号", "户主姓名"]),
        (2, ["530113-0001", "张三"]),
    ]


def test_a_file_in_no_known_encoding_is_refused(tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes(b"\xff\xfe\x00\xd8\x00\x00")

    with pytest.raises(ImportFileError, match="无法识别 CSV 文件的编码"):
        list(read_spreadsheet(path))


# ---------------------------------------------------------------------- exports that did not guard


@pytest.mark.django_db
def test_the_campaign_report_writes_a_sharer_named_like_a_formula_inert(client):
    campaign = make_campaign(code="INERT")
    campaign_sharer_add(campaign=campaign, name=HYPERLINK, role="volunteer", code="INERT-A")
    client.force_login(get_user_model().objects.get(username="admin"))

    as_csv = client.get(f"/cms/campaigns/{campaign.pk}/report.csv")
    as_xlsx = client.get(f"/cms/campaigns/{campaign.pk}/report.xlsx")

    assert ["INERT-A", HYPERLINK_INERT, "0", "0", "0.00"] in csv_rows(as_csv.content)
    sharers = load_workbook(io.BytesIO(as_xlsx.content))["按分享员"]
    assert sharers["B2"].data_type == "s"
    assert sharers["B2"].value == HYPERLINK_INERT


@pytest.mark.django_db
def test_the_report_tables_write_a_product_named_like_a_formula_inert(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        buy(client, upc="YX-DC-004", quantity=1, email="inert@example.com")
    Product.objects.filter(upc="YX-DC-004").update(title=HYPERLINK)
    client.force_login(staff_user())
    url = reverse("impact_report_breakdown")
    query = {"by": "product", "period": str(timezone.localdate().year)}

    as_csv = client.get(url, {**query, "format": "csv"})
    as_xlsx = client.get(url, {**query, "format": "xlsx"})

    assert [row[0] for row in csv_rows(as_csv.content)[2:]] == [HYPERLINK_INERT]
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == HYPERLINK_INERT
