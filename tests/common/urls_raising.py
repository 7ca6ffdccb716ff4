"""A URLconf with one view that fails, for the 500 page's test."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure the 500 page must cover")


urlpatterns = [path("boom/", boom)]
