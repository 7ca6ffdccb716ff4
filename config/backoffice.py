"""Helpers shared by the back-office views of several apps (mounted in Wagtail admin)."""

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

Response = TypeVar("Response", bound=HttpResponseBase)


def forbidden_as_403(view: Callable[..., Response]) -> Callable[..., Response | HttpResponse]:
    """A refusal is a 403 page, not Wagtail's redirect to the dashboard with a message."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Response | HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return render(request, "impact/admin/403.html", status=403)

    return wrapped
