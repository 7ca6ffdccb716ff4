from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.urls import URLPattern, path, re_path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from common import lockouts

from .campaigns import admin_views
from .choosers import ProductChooserViewSet, product_chooser_viewset
from .models import CampaignPage

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from wagtail.models import Page


@hooks.register("register_admin_viewset")
def register_product_chooser() -> ProductChooserViewSet:
    return product_chooser_viewset


@hooks.register("register_admin_urls")
def campaign_admin_urls() -> list[URLPattern]:
    return [
        path("campaigns/", admin_views.campaign_list, name="cms_campaign_list"),
        path("campaigns/<int:pk>/", admin_views.campaign_console, name="cms_campaign_console"),
        path(
            "campaigns/<int:pk>/control/", admin_views.campaign_control, name="cms_campaign_control"
        ),
        path(
            "campaigns/<int:pk>/sharers/",
            admin_views.campaign_sharer_add,
            name="cms_campaign_sharer_add",
        ),
        re_path(
            r"^campaigns/(?P<pk>\d+)/qr\.(?P<kind>svg|png)$",
            admin_views.campaign_qr,
            name="cms_campaign_qr",
        ),
        re_path(
            r"^campaigns/(?P<pk>\d+)/sharers/(?P<sharer_id>\d+)/qr\.(?P<kind>svg|png)$",
            admin_views.campaign_sharer_qr,
            name="cms_campaign_sharer_qr",
        ),
        path("campaigns/<int:pk>/plan/", admin_views.campaign_plan, name="cms_campaign_plan"),
        path(
            "campaigns/<int:pk>/report/",
            admin_views.campaign_report_view,
            name="cms_campaign_report",
        ),
        re_path(
            r"^campaigns/(?P<pk>\d+)/report\.(?P<kind>csv|xlsx)$",
            admin_views.campaign_report_export,
            name="cms_campaign_report_export",
        ),
    ]


@hooks.register("register_admin_urls")
def security_admin_urls() -> list[URLPattern]:
    return [path("security/lockouts/", lockouts.lockout_list, name="security_lockouts")]


class _UnlockMenuItem(MenuItem):
    def is_shown(self, request: Any) -> bool:
        return bool(request.user.has_perm(lockouts.UNLOCK_PERMISSION))


@hooks.register("register_settings_menu_item")
def security_menu() -> MenuItem:
    return _UnlockMenuItem(
        _("Sign-in lockouts"), reverse("security_lockouts"), icon_name="lock", order=900
    )


@hooks.register("register_admin_menu_item")
def campaigns_menu() -> MenuItem:
    return MenuItem(
        _("Livestream campaigns"), reverse("cms_campaign_list"), icon_name="media", order=250
    )


@hooks.register("register_page_listing_more_buttons")
def campaign_page_buttons(
    page: "Page", user: "User", next_url: str | None = None, **kwargs: Any
) -> Iterator[Button]:
    specific_class = page.specific_class
    if specific_class is not None and issubclass(specific_class, CampaignPage):
        yield Button(
            _("Live console"),
            reverse("cms_campaign_console", args=[page.pk]),
            icon_name="media",
            priority=3,
        )
        yield Button(
            _("Campaign plan"),
            reverse("cms_campaign_plan", args=[page.pk]),
            icon_name="crosshairs",
            priority=4,
        )
        yield Button(
            _("Campaign report"),
            reverse("cms_campaign_report", args=[page.pk]),
            icon_name="table",
            priority=5,
        )
