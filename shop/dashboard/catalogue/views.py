"""Oscar's product views, answering 403 (not 404) for another producer's product or stock."""

import re

from django.core.exceptions import PermissionDenied
from oscar.apps.dashboard.catalogue import views as oscar_views
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

STOCKRECORD_ID = re.compile(r"^stockrecords-\d+-id$")


class ProducerProductAccessMixin:
    """A partner user asking for a product that exists but is not theirs is refused."""

    def product_access_check(self) -> None:
        pk = self.kwargs.get("pk")  # type: ignore[attr-defined]
        if pk is None or self.request.user.is_staff:  # type: ignore[attr-defined]
            return
        visible = self.get_queryset().filter(pk=pk).exists()  # type: ignore[attr-defined]
        if not visible and Product.objects.filter(pk=pk).exists():
            raise PermissionDenied

    def get_object(self, queryset=None):  # type: ignore[no-untyped-def]
        self.product_access_check()
        return super().get_object(queryset)  # type: ignore[misc]


class ProductCreateUpdateView(ProducerProductAccessMixin, oscar_views.ProductCreateUpdateView):
    def post(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not request.user.is_staff:
            self.stockrecord_access_check(request)
        return super().post(request, *args, **kwargs)

    def stockrecord_access_check(self, request) -> None:  # type: ignore[no-untyped-def]
        """A stock record named in the form must be one of the user's partners'."""
        ids = [
            value
            for key, value in request.POST.items()
            if STOCKRECORD_ID.match(key) and value.strip().isdigit()
        ]
        others = StockRecord.objects.filter(pk__in=ids).exclude(partner__users=request.user)
        if others.exists():
            raise PermissionDenied


class ProductDeleteView(ProducerProductAccessMixin, oscar_views.ProductDeleteView):
    pass
