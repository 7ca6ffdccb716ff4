"""Attribution jobs in quarantine, in the back office (/cms/impact/attribution/quarantine/).

A job that failed is marked and left aside (``services._jobs_process``) so that the
other payments' attribution goes on; platform operations see it here, with its
error, and retry it once the cause is fixed (a retry makes the job ready again and
queues a run). The back office's home page says how many wait (``QuarantinePanel``).
Only platform operations and superusers: the jobs name orders and payments, no
household.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from wagtail.admin.ui.components import Component

from common.backoffice import forbidden_as_403
from common.filters import filter_page
from common.roles import is_platform_operations

from ..tasks import impact_attribute_payment
from .selectors import attribution_jobs_quarantined, attribution_jobs_quarantined_count
from .services import attribution_jobs_retry

logger = logging.getLogger("yixiang.impact")


def may_retry_attribution(user: Any) -> bool:
    """Platform operations (or a superuser): who sees and retries quarantined jobs. The menu
    and the home page both ask on one request: the answer is kept on the user for it."""
    cached: bool | None = getattr(user, "_yx_operations", None)
    if cached is None:
        cached = is_platform_operations(user)
        setattr(user, "_yx_operations", cached)  # noqa: B010 (a request-long memo)
    return cached


@forbidden_as_403
@require_http_methods(["GET", "POST"])
def attribution_quarantine(request: HttpRequest) -> HttpResponse:
    if not may_retry_attribution(request.user):
        raise PermissionDenied
    if request.method == "POST":
        jobs = attribution_jobs_quarantined()
        if request.POST.get("job") != "all":
            try:
                jobs = jobs.filter(pk=int(request.POST.get("job", "")))
            except ValueError:
                jobs = jobs.none()
        released = attribution_jobs_retry(job_ids=list(jobs.values_list("pk", flat=True)))
        if released:
            transaction.on_commit(lambda: impact_attribute_payment.delay(), robust=True)
            logger.info(
                "Attribution jobs %s released from quarantine by user %s", released, request.user.pk
            )
            messages.success(
                request,
                ngettext(
                    "%(count)d attribution job queued again.",
                    "%(count)d attribution jobs queued again.",
                    len(released),
                )
                % {"count": len(released)},
            )
        else:
            messages.warning(request, _("No quarantined job to retry."))
        return redirect(reverse("impact_attribution_quarantine"))
    page = Paginator(attribution_jobs_quarantined(), 50).get_page(filter_page(request.GET))
    return render(request, "impact/admin/attribution_quarantine.html", {"page": page})


class QuarantinePanel(Component):
    """On the back office's home page, for platform operations: attribution jobs waiting."""

    name = "attribution_quarantine"
    template_name = "impact/admin/_attribution_quarantine_panel.html"
    order = 50

    def __init__(self, count: int) -> None:
        self.count = count

    def get_context_data(self, parent_context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {"count": self.count, "url": reverse("impact_attribution_quarantine")}


def quarantine_panel_add(request: HttpRequest, panels: list[Any]) -> None:
    """The panel, when the user owns quarantined jobs and some are waiting (one query)."""
    if not may_retry_attribution(request.user):
        return
    count = attribution_jobs_quarantined_count()
    if count:
        panels.insert(0, QuarantinePanel(count))
