"""Oscar's product views, answering 403 (not 404) for another producer's product or stock."""

import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from oscar.apps.dashboard.catalogue import views as oscar_views
from oscar.core.loading import get_model

from config.http import AuthenticatedHttpRequest

if TYPE_CHECKING:
    from oscar.apps.catalogue.models import Product as ProductType

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

STOCKRECORD_ID = re.compile(r"^stockrecords-\d+-id$")


class ProducerProductAccessMixin:
    """A partner user asking for a product that exists but is not theirs is refused."""

    # What the Oscar view this is mixed into provides.
    kwargs: dict[str, Any]
    request: AuthenticatedHttpRequest

    if TYPE_CHECKING:

        def get_queryset(self) -> QuerySet[Any]: ...

    def product_access_check(self) -> None:
        pk = self.kwargs.get("pk")
        if pk is None or self.request.user.is_staff:
            return
        visible = self.get_queryset().filter(pk=pk).exists()
        if not visible and Product.objects.filter(pk=pk).exists():
            raise PermissionDenied

    def get_object(self, queryset: QuerySet[Any] | None = None) -> "ProductType":
        self.product_access_check()
        return super().get_object(queryset)  # type: ignore[misc]  # a mixin: the Oscar view has it


class ProductCreateUpdateView(ProducerProductAccessMixin, oscar_views.ProductCreateUpdateView):
    def post(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_staff:
            self.stockrecord_access_check(request)
        return super().post(request, *args, **kwargs)

    def stockrecord_access_check(self, request: AuthenticatedHttpRequest) -> None:
        """A stock record named in the form must be one of the user's partners'."""
        ids = [
            value
            for key, value in request.POST.items()
            if STOCKRECORD_ID.match(key) and isinstance(value, str) and value.strip().isdigit()
        ]
        others = StockRecord.objects.filter(pk__in=ids).exclude(partner__users=request.user)
        if others.exists():
            raise PermissionDenied


class ProductDeleteView(ProducerProductAccessMixin, oscar_views.ProductDeleteView):
    pass
