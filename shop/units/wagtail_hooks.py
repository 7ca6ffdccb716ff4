from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from common.backoffice import PermissionMenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def units_admin_urls() -> list[URLPattern]:
    return [
        path("units/", admin_views.unit_list, name="units_admin_list"),
        path("units/add/", admin_views.unit_add, name="units_admin_add"),
        path("units/<int:pk>/", admin_views.unit_detail, name="units_admin_detail"),
        path("units/<int:pk>/review/", admin_views.unit_review, name="units_admin_review"),
        path("units/<int:pk>/members/", admin_views.unit_member_add, name="units_admin_add_member"),
        path("units/<int:pk>/invoice/", admin_views.unit_invoice, name="units_admin_invoice"),
    ]


@hooks.register("register_admin_menu_item")
def units_menu() -> MenuItem:
    return PermissionMenuItem(
        _("Work units"),
        reverse("units_admin_list"),
        permission="units.view_workunit",
        icon_name="group",
        order=270,
    )
