import oscar.apps.dashboard.orders.apps as apps
from django.urls import path
from oscar.core.loading import get_class


class OrdersDashboardConfig(apps.OrdersDashboardConfig):
    name = "shop.dashboard.orders"

    def configure_permissions(self) -> None:
        super().configure_permissions()
        DashboardPermission = get_class("dashboard.permissions", "DashboardPermission")
        self.permissions_map["producer-sales"] = (
            DashboardPermission.get("order", "view_order"),
            DashboardPermission.partner_dashboard_access,
        )
        self.permissions_map["producer-impact"] = self.permissions_map["producer-sales"]

    def ready(self) -> None:
        super().ready()
        # Oscar's get_class resolves "dashboard.orders.views" through the root
        # dashboard app, which is Oscar's own: wire our views explicitly.
        from . import views

        self.order_list_view = views.OrderListView
        self.order_detail_view = views.OrderDetailView
        self.line_detail_view = views.LineDetailView
        self.shipping_address_view = views.ShippingAddressUpdateView
        self.order_stats_view = views.OrderStatsView
        self.producer_sales_view = views.ProducerSalesView
        self.producer_impact_view = views.ProducerImpactView

    def get_urls(self):  # type: ignore[no-untyped-def]
        # Before Oscar's "<number>/", which would otherwise take the path for an order number.
        urls = [
            path("producer-sales/", self.producer_sales_view.as_view(), name="producer-sales"),
            path("producer-impact/", self.producer_impact_view.as_view(), name="producer-impact"),
        ]
        return self.post_process_urls(urls) + super().get_urls()
