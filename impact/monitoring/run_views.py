"""The back office's evaluations page (/cms/impact/evaluations/): recent whole evaluations and
their progress, and the last monthly run with the year it used and why."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from common.backoffice import forbidden_as_403, require_monitoring

from .runs import reassessment_run_last_periodic, reassessment_runs_recent

REFRESH_SECONDS = 3


@forbidden_as_403
def reassessment_runs(request: HttpRequest) -> HttpResponse:
    require_monitoring(request.user)
    runs = reassessment_runs_recent()
    return render(
        request,
        "impact/admin/reassessment_runs.html",
        {
            "runs": runs,
            "last_periodic": reassessment_run_last_periodic(),
            "refresh_seconds": REFRESH_SECONDS if any(run.running for run in runs) else None,
        },
    )
