"""Oscar's report CSV, written through the project's spreadsheet writer (formula cells made inert).

Every report generator of Oscar's (orders, products, users, baskets, offers,
vouchers) loads ``ReportCSVFormatter`` with ``get_class("dashboard.reports.reports",
…)``, so this one class covers all of their downloads.
"""

from typing import Any

from oscar.apps.dashboard.reports import reports as oscar_reports

from common.spreadsheets import CsvRowWriter

ReportGenerator = oscar_reports.ReportGenerator
ReportFormatter = oscar_reports.ReportFormatter
ReportHTMLFormatter = oscar_reports.ReportHTMLFormatter


class ReportCSVFormatter(oscar_reports.ReportCSVFormatter):
    def get_csv_writer(self, file_handle: Any, **kwargs: Any) -> CsvRowWriter:
        return CsvRowWriter(file_handle)
