import oscar.apps.dashboard.catalogue.apps as apps


class CatalogueDashboardConfig(apps.CatalogueDashboardConfig):
    name = "shop.dashboard.catalogue"

    def ready(self) -> None:
        super().ready()
        # Oscar's get_class resolves "dashboard.catalogue.views" through the
        # root dashboard app, which is Oscar's own: wire our views explicitly.
        from . import views

        self.product_createupdate_view = views.ProductCreateUpdateView
        self.product_delete_view = views.ProductDeleteView
