import oscar.apps.dashboard.orders.apps as apps
from django.urls import URLPattern, URLResolver, path
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

    def ready(self) -> None:
        super().ready()
        self.producer_sales_view = get_class("dashboard.orders.views", "ProducerSalesView")

    def get_urls(self) -> list[URLPattern | URLResolver]:
        # Before Oscar's "<number>/", which would otherwise take the path for an order number.
        urls: list[URLPattern | URLResolver] = [
            path("producer-sales/", self.producer_sales_view.as_view(), name="producer-sales"),
        ]
        return self.post_process_urls(urls) + super().get_urls()
