"""Errors to Sentry when ``SENTRY_DSN`` is set; nothing at all when it is not.

sentry-sdk with its Django and Celery integrations: an unhandled error in a view or a task
is sent, with the release (``SENTRY_RELEASE``) and environment (``SENTRY_ENVIRONMENT``)
from the environment. ``send_default_pii`` is off (no cookies, no user, no addresses), and
``before_send`` masks every ID-shaped string (common/masking.py) anywhere in the event:
messages, exception values, local variables of the stack frames, breadcrumbs, request data.
"""

from __future__ import annotations

from typing import Any

from common.masking import mask_id_numbers


def masked(value: Any) -> Any:
    """``value`` with every ID number in every string inside it masked (dicts, lists)."""
    if isinstance(value, str):
        return mask_id_numbers(value)
    if isinstance(value, dict):
        return {masked(key): masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(masked(item) for item in value)
    return value


def before_send(event: Any, hint: Any) -> Any:
    return masked(event)


def sentry_init(*, dsn: str, release: str = "", environment: str = "") -> None:
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        before_send=before_send,
        before_send_transaction=before_send,
        release=release or None,
        environment=environment or None,
        traces_sample_rate=0.0,
    )
