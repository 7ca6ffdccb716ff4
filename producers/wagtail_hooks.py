from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from common.backoffice import StaffMenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def producers_admin_urls() -> list[URLPattern]:
    return [
        path("producers/", admin_views.producer_list, name="producers_admin_list"),
        path("producers/<int:pk>/", admin_views.producer_detail, name="producers_admin_detail"),
        path(
            "producers/<int:pk>/review/", admin_views.producer_review, name="producers_admin_review"
        ),
        path(
            "producers/<int:pk>/links/",
            admin_views.producer_add_link,
            name="producers_admin_add_link",
        ),
    ]


@hooks.register("register_admin_menu_item")
def producers_menu() -> StaffMenuItem:
    return StaffMenuItem(
        _("Producers"),
        reverse("producers_admin_list"),
        permission="producers.view_producer",  # platform operations: every producer
        icon_name="site",
        order=260,
    )
