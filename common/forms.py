"""How a service's refusal (a ``ValidationError``) reaches the person, in the back office and the shop.

On the form, next to the field it names (``form_add_errors``; ``form_save``
runs a valid form's service and does that when it refuses), or as messages on
the next page (``messages_add_errors``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest


def form_add_errors(form: BaseForm, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on its field where the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


def messages_add_errors(request: HttpRequest, exc: ValidationError) -> None:
    """Each of a ValidationError's messages as an error message on the next page."""
    for message in exc.messages:
        messages.error(request, message)


def form_save(
    request: HttpRequest, form: BaseForm, save: Callable[[dict[str, Any]], object], done: str
) -> bool:
    """Save a valid form through its service; True (and ``done`` said) once it went through.

    False when the form is not valid or the service refused it; the service's
    errors are then on the form, for the page to show again.
    """
    if not form.is_valid():
        return False
    try:
        save(form.cleaned_data)
    except ValidationError as exc:
        form_add_errors(form, exc)
        return False
    messages.success(request, done)
    return True
