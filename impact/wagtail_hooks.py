from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.viewsets.model import ModelViewSet

from common.backoffice import StaffMenuItem, is_monitoring
from common.roles import is_platform_operations

from .ledger import payout_views, quarantine_views
from .ledger import views as ledger_views
from .models import Threshold
from .monitoring import run_views
from .monitoring import views as monitoring_views
from .reporting import targeting_views
from .reporting import views as reporting_views


@hooks.register("register_admin_urls")
def impact_admin_urls() -> list[URLPattern]:
    return [
        path("impact/households/", monitoring_views.household_list, name="impact_households"),
        path(
            "impact/households/<int:pk>/",
            monitoring_views.household_detail,
            name="impact_household",
        ),
        path(
            "impact/households/<int:pk>/reveal/",
            monitoring_views.household_reveal,
            name="impact_household_reveal",
        ),
        path(
            "impact/households/<int:pk>/measures/",
            monitoring_views.household_add_measure,
            name="impact_household_add_measure",
        ),
        path(
            "impact/households/<int:pk>/edit/",
            monitoring_views.household_edit,
            name="impact_household_edit",
        ),
        path(
            "impact/households/<int:pk>/incomes/",
            monitoring_views.household_add_income,
            name="impact_household_add_income",
        ),
        path(
            "impact/households/<int:pk>/expenditures/",
            monitoring_views.household_add_expenditure,
            name="impact_household_add_expenditure",
        ),
        path(
            "impact/households/<int:pk>/expenditures/<int:expenditure_pk>/resolve/",
            monitoring_views.expenditure_resolve,
            name="impact_expenditure_resolve",
        ),
        path("impact/clues/", monitoring_views.clue_queue, name="impact_clues"),
        path("impact/clues/<int:pk>/", monitoring_views.clue_detail, name="impact_clue"),
        path("impact/notices/", monitoring_views.notice_list, name="impact_notice_list"),
        path(
            "impact/notices/notice.pdf",
            monitoring_views.notice_list_pdf,
            name="impact_notice_list_pdf",
        ),
        path(
            "impact/notices/villages/<int:pk>/contact/",
            monitoring_views.notice_contact,
            name="impact_notice_contact",
        ),
        path("impact/import/", monitoring_views.data_import, name="impact_import"),
        path("impact/export/warnings.<str:fmt>", reporting_views.data_export, name="impact_export"),
        path(
            "impact/export/attribution.<str:fmt>",
            reporting_views.attribution_export,
            name="impact_export_attribution",
        ),
        path(
            "impact/clues/<int:pk>/advance/",
            monitoring_views.clue_advance,
            name="impact_clue_advance",
        ),
        path("impact/reports/", reporting_views.report_overview, name="impact_report_overview"),
        path("impact/evaluations/", run_views.reassessment_runs, name="impact_reassessment_runs"),
        path(
            "impact/reports/platform/",
            reporting_views.report_platform,
            name="impact_report_platform",
        ),
        path(
            "impact/reports/breakdowns/",
            reporting_views.report_breakdown,
            name="impact_report_breakdown",
        ),
        # Payout follow-ups and arrears (issue #16).
        path(
            "impact/payouts/follow-ups/",
            ledger_views.payout_follow_up_list,
            name="impact_payout_follow_ups",
        ),
        path(
            "impact/payouts/<int:pk>/follow-up/",
            ledger_views.payout_follow_up,
            name="impact_payout_follow_up",
        ),
        path(
            "impact/reports/arrears/", reporting_views.report_arrears, name="impact_report_arrears"
        ),
        # Gap to the line and the what-if (issue #21).
        path("impact/reports/gap/", targeting_views.report_gap, name="impact_report_gap"),
        path("impact/reports/what-if/", targeting_views.report_whatif, name="impact_report_whatif"),
        *payout_urls(),
        path(
            "impact/attribution/quarantine/",
            quarantine_views.attribution_quarantine,
            name="impact_attribution_quarantine",
        ),
    ]


def payout_urls() -> list[URLPattern]:
    """Staff record producers' payouts to households on their behalf (impact.add_payout)."""
    return [
        path("impact/payouts/", payout_views.staff_payout_producers, name="impact_payouts"),
        path(
            "impact/payouts/upload/",
            payout_views.staff_payouts_upload_many,
            name="impact_payouts_upload",
        ),
        path(
            "impact/payouts/template.<str:fmt>",
            payout_views.staff_payouts_template_many,
            name="impact_payouts_template",
        ),
        path(
            "impact/payouts/<int:pk>/",
            payout_views.staff_producer_payouts,
            name="impact_payouts_producer",
        ),
        path(
            "impact/payouts/<int:pk>/record/",
            payout_views.staff_payout_record,
            name="impact_payouts_producer-record",
        ),
        path(
            "impact/payouts/<int:pk>/upload/",
            payout_views.staff_payouts_upload,
            name="impact_payouts_producer-upload",
        ),
        path(
            "impact/payouts/<int:pk>/template.<str:fmt>",
            payout_views.staff_payouts_template,
            name="impact_payouts_producer-template",
        ),
        path(
            "impact/payouts/<int:pk>/<int:payout_pk>/reverse/",
            payout_views.staff_payout_reverse,
            name="impact_payouts_producer-reverse",
        ),
    ]


class ThresholdViewSet(ModelViewSet):
    model = Threshold
    icon = "cog"
    menu_label = _("Thresholds")
    form_fields = ["year", "national_standard", "multiplier"]
    list_display = ["year", "national_standard", "multiplier", "line"]
    add_to_admin_menu = False


threshold_viewset = ThresholdViewSet("impact_thresholds")


@hooks.register("register_admin_viewset")
def register_threshold_viewset() -> ThresholdViewSet:
    return threshold_viewset


class TargetingMenuItem(MenuItem):
    """Shown to monitoring staff and to platform operations and administrators (issue #21)."""

    def is_shown(self, request: Any) -> bool:
        return is_monitoring(request.user) or is_platform_operations(request.user)


@hooks.register("register_admin_menu_item")
def impact_menu() -> SubmenuMenuItem:
    submenu = Menu(
        items=[
            StaffMenuItem(
                _("Households"), reverse("impact_households"), icon_name="group", order=100
            ),
            StaffMenuItem(
                _("Review queue"), reverse("impact_clues"), icon_name="warning", order=200
            ),
            StaffMenuItem(
                _("Village notice list"),
                reverse("impact_notice_list"),
                icon_name="doc-full",
                order=250,
            ),
            StaffMenuItem(
                _("Impact reports"), reverse("impact_report_overview"), icon_name="table", order=300
            ),
            TargetingMenuItem(
                _("Gap to the line"), reverse("impact_report_gap"), icon_name="table", order=310
            ),
            TargetingMenuItem(
                _("What-if: more sales"),
                reverse("impact_report_whatif"),
                icon_name="table",
                order=320,
            ),
            StaffMenuItem(
                _("Payout follow-ups"),
                reverse("impact_payout_follow_ups"),
                icon_name="tick",
                order=350,
            ),
            StaffMenuItem(
                _("Thresholds"), reverse("impact_thresholds:index"), icon_name="cog", order=400
            ),
            StaffMenuItem(
                _("Evaluations"),
                reverse("impact_reassessment_runs"),
                icon_name="history",
                order=500,
            ),
            StaffMenuItem(
                _("Payouts to households"),
                reverse("impact_payouts"),
                icon_name="doc-full",
                order=510,
            ),
        ]
    )
    return SubmenuMenuItem(_("Poverty monitoring"), submenu, icon_name="group", order=250)


# Attribution jobs in quarantine: platform operations' (impact.ledger.quarantine_views) -------


class _QuarantineMenuItem(MenuItem):
    def is_shown(self, request: Any) -> bool:
        return quarantine_views.may_retry_attribution(request.user)


@hooks.register("register_settings_menu_item")
def attribution_quarantine_menu() -> MenuItem:
    return _QuarantineMenuItem(
        _("Attribution quarantine"),
        reverse("impact_attribution_quarantine"),
        icon_name="warning",
        order=910,
    )


@hooks.register("construct_homepage_panels")
def attribution_quarantine_panel(request: HttpRequest, panels: list[Any]) -> None:
    quarantine_views.quarantine_panel_add(request, panels)
