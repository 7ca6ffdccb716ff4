"""Oscar's root dashboard app, forked so that Oscar finds our dashboard sub-forks.

``get_class("dashboard.catalogue.views", …)`` looks for the module under the
installed ``dashboard`` app's name: with this fork installed that is
``shop.dashboard.catalogue.views`` (then Oscar's own), as in django-oscar's own
test site (``tests/_site/apps/dashboard``). The label stays ``dashboard``.

It also mounts the producer-impact page, which belongs to impact's reporting,
in the dashboard's URL namespace (see shop/FORKS.md), and keeps the staff side of
every dashboard page to the platform's own staff (``platform_staff_side``).
"""

from collections.abc import Callable
from functools import wraps
from importlib import import_module
from typing import Any

import oscar.apps.dashboard.apps as apps
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.module_loading import import_string
from oscar.core.loading import get_class

# Named by its path like Oscar's own views: an app's module cannot import views
# (they import models) while the app registry is being filled.
PRODUCER_IMPACT_VIEW = "impact.reporting.producer_views.ProducerImpactView"
# A producer's payouts to its households (impact's ledger), by the same reasoning.
PRODUCER_PAYOUT_VIEWS = "impact.ledger.payout_views"


PAYOUT_URL_NAMES = (
    "producer-payouts",
    "producer-payouts-record",
    "producer-payouts-upload",
    "producer-payouts-template",
    "producer-payouts-reverse",
)
PRODUCER_ARREARS_VIEW = "impact.reporting.producer_views.ProducerArrearsView"
# A producer's certificates and their renewals (producers' dashboard views).
PRODUCER_CERTIFICATE_VIEWS = "producers.dashboard_views"
# The same login form as the shop's and the CMS's: username, e-mail or mobile (#19).
DASHBOARD_LOGIN_VIEW = "common.account_views.DashboardLoginView"
#: Open to everyone: signing in and out of the dashboard.
UNGUARDED = ("login", "logout")


def platform_staff_side(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """403 for staff who are not the platform's own (operations, finance, superusers).

    Oscar lets every ``is_staff`` user see every shop's orders, customers and the
    platform-wide sales totals; county, township and village monitoring staff are staff
    for monitoring only (``common.roles``). Producers' users are not staff: Oscar's own
    partner checks apply to them as before.
    """
    from common.roles import is_platform_staff

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_staff and not is_platform_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _guard(patterns: list[URLPattern | URLResolver]) -> None:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _guard(pattern.url_patterns)
        elif pattern.name not in UNGUARDED:
            pattern.callback = platform_staff_side(pattern.callback)


class DashboardConfig(apps.DashboardConfig):
    name = "shop.dashboard"

    producer_impact_view: Any  # a view class, resolved in ready()
    payout_views: Any  # a module of views, resolved in ready()
    producer_arrears_view: Any  # a view class, resolved in ready()
    certificate_views: Any  # a module of views, resolved in ready()

    def configure_permissions(self) -> None:
        super().configure_permissions()
        DashboardPermission = get_class("dashboard.permissions", "DashboardPermission")
        # order.view_order (staff) or partner.dashboard_access (a producer's users), as Oscar's order list.
        self.permissions_map["producer-impact"] = (
            DashboardPermission.get("order", "view_order"),
            DashboardPermission.partner_dashboard_access,
        )
        # A producer's own payouts: its users only (the views refuse anyone else with 403).
        for name in PAYOUT_URL_NAMES:
            self.permissions_map[name] = (DashboardPermission.partner_dashboard_access,)
        self.permissions_map["producer-arrears"] = self.permissions_map["producer-impact"]
        # Its own certificates: its users upload renewals; the platform's staff read the page
        # and finance reviews renewals (the views refuse anyone else with 403).
        self.permissions_map["producer-certificates"] = (
            DashboardPermission.staff,
            DashboardPermission.partner_dashboard_access,
        )
        self.permissions_map["producer-certificates-renew"] = (
            DashboardPermission.partner_dashboard_access,
        )
        self.permissions_map["producer-certificates-review"] = (DashboardPermission.staff,)

    def ready(self) -> None:
        super().ready()
        self.login_view = import_string(DASHBOARD_LOGIN_VIEW)
        self.producer_impact_view = import_string(PRODUCER_IMPACT_VIEW)
        self.payout_views = import_module(PRODUCER_PAYOUT_VIEWS)
        self.producer_arrears_view = import_string(PRODUCER_ARREARS_VIEW)
        self.certificate_views = import_module(PRODUCER_CERTIFICATE_VIEWS)

    def get_urls(self) -> list[URLPattern | URLResolver]:
        # Before Oscar's "orders/" include, whose "<number>/" would take the path for an order.
        urls: list[URLPattern | URLResolver] = [
            path(
                "orders/producer-impact/",
                self.producer_impact_view.as_view(),
                name="producer-impact",
            ),
            path("payouts/", self.payout_views.producer_payouts, name="producer-payouts"),
            path(
                "payouts/record/",
                self.payout_views.producer_payout_record,
                name="producer-payouts-record",
            ),
            path(
                "payouts/upload/",
                self.payout_views.producer_payouts_upload,
                name="producer-payouts-upload",
            ),
            path(
                "payouts/template.<str:fmt>",
                self.payout_views.producer_payouts_template,
                name="producer-payouts-template",
            ),
            path(
                "payouts/<int:pk>/reverse/",
                self.payout_views.producer_payout_reverse,
                name="producer-payouts-reverse",
            ),
            path(
                "orders/producer-arrears/",
                self.producer_arrears_view.as_view(),
                name="producer-arrears",
            ),
            path(
                "certificates/",
                self.certificate_views.producer_certificates,
                name="producer-certificates",
            ),
            path(
                "certificates/<int:pk>/renew/",
                self.certificate_views.producer_certificate_renew,
                name="producer-certificates-renew",
            ),
            path(
                "certificates/<int:pk>/review/",
                self.certificate_views.producer_certificate_review,
                name="producer-certificates-review",
            ),
        ]
        patterns = self.post_process_urls(urls) + super().get_urls()
        _guard(patterns)
        return patterns
