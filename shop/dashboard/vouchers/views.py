"""Oscar's voucher set download, written through the project's spreadsheet writer."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from oscar.apps.dashboard.vouchers import views as oscar_views

from common.spreadsheets import Sheet, spreadsheet_bytes, spreadsheet_response


class VoucherSetDownloadView(oscar_views.VoucherSetDownloadView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        voucher_set = self.get_object()
        codes = voucher_set.vouchers.values_list("code", flat=True)
        content = spreadsheet_bytes(
            [Sheet(voucher_set.name, [_("Voucher code")], ([c] for c in codes))], fmt="csv"
        )
        return spreadsheet_response(
            content, fmt="csv", filename=f"{slugify(voucher_set.name) or 'vouchers'}.csv"
        )
