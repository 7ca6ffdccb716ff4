"""A URL whose view fails, for tests/config/test_sentry.py (ROOT_URLCONF there only)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def failing_view(request: HttpRequest) -> HttpResponse:
    id_number = "11010519491231002X"  # a local variable: Sentry sends frames' variables
    raise ValueError(f"household {id_number} not found")


urlpatterns = [path("fail/", failing_view)]
