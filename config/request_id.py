"""A request id on every log line, in the web process and in the tasks a request queued.

``RequestIdMiddleware`` (first in MIDDLEWARE) takes the id from ``X-Request-ID`` when the
request comes straight from a trusted proxy (``TRUSTED_PROXIES``, common/client.py) and the
value is a plain token, or makes a new one; it keeps it in a context variable until the
response is closed and returns it in the response's ``X-Request-ID``. ``RequestIdFilter``,
installed on every handler in LOGGING, writes it (with the Celery task id, in a worker)
into every record as ``request_id`` and ``task_id`` ("-" when there is none).

Celery: ``before_task_publish`` puts the current request id into the task message's
headers; ``task_prerun`` in the worker takes it back out, with the task's own id, for the
task's length; ``task_postrun`` forgets both. A task queued by a task keeps the first
request's id. In eager mode the task runs inside the request, which already has its id.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from python_ipware.modern.parsers import parse_ip

from common.client import _trusted, trusted_networks

HEADER = "X-Request-ID"
#: A proxy's id is kept only if it is a plain token: nothing that could forge a log line.
ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
NONE = "-"

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=NONE)
task_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default=NONE)


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(request: HttpRequest) -> str:
    """The proxy's ``X-Request-ID`` if a trusted proxy sent a plain one, else a new id."""
    offered = request.META.get("HTTP_X_REQUEST_ID", "")
    if offered and ACCEPTED.match(offered):
        remote = parse_ip(request.META.get("REMOTE_ADDR", ""))
        networks = trusted_networks()
        if remote is not None and networks and _trusted(remote, networks):
            return offered
    return new_request_id()


class RequestIdMiddleware:
    """Gives each request its id (``request.request_id``) and answers with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        # Kept until the response is closed (``request_finished``), so the lines Django's
        # handler writes after the middleware (django.request's 4xx/5xx) carry it too.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="yixiang_request_id_finished")
def _forget_request(**kwargs: Any) -> None:
    request_id_var.set(NONE)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` and ``task_id`` to every record; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        if not getattr(record, "task_id", None):
            record.task_id = task_id_var.get()
        return True


# ---------------------------------------------------------------- Celery
_tokens: dict[str, tuple[contextvars.Token[str], contextvars.Token[str]]] = {}


@before_task_publish.connect(dispatch_uid="yixiang_request_id_publish")
def _send_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id != NONE:
        headers.setdefault("request_id", request_id)


@task_prerun.connect(dispatch_uid="yixiang_request_id_prerun")
def _take_request_id(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request_id = getattr(getattr(task, "request", None), "request_id", None)
    if not isinstance(request_id, str) or not ACCEPTED.match(request_id):
        request_id = request_id_var.get()  # eager: the request that runs it
    if task_id:
        _tokens[task_id] = (request_id_var.set(request_id), task_id_var.set(task_id))


@task_postrun.connect(dispatch_uid="yixiang_request_id_postrun")
def _forget_request_id(task_id: str | None = None, **kwargs: Any) -> None:
    tokens = _tokens.pop(task_id or "", None)
    if tokens is not None:
        try:
            request_id_var.reset(tokens[0])
            task_id_var.reset(tokens[1])
        except ValueError:  # set in another context (a thread pool): clear instead
            request_id_var.set(NONE)
            task_id_var.set(NONE)


# ---------------------------------------------------------------- gunicorn's access log
HEALTH_PATHS = ("/healthz", "/readyz")


class GunicornAccessFields(logging.Filter):
    """gunicorn's access lines: the request id (the response's ``X-Request-ID``) and the
    request's method, path, status and milliseconds as fields of their own; a successful
    health probe is not logged (a load balancer probes every few seconds).

    It must come before ``mask_id_numbers``, which may replace the record's arguments.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        if not isinstance(atoms, dict):
            return True
        path = str(atoms.get("U") or "")
        status = str(atoms.get("s") or "")
        if path.rstrip("/") in HEALTH_PATHS and status == "200":
            return False
        request_id = atoms.get("{x-request-id}o")
        record.request_id = request_id if isinstance(request_id, str) and request_id else NONE
        record.method = atoms.get("m")
        record.path = path
        record.status = int(status) if status.isdigit() else status
        record.duration_ms = atoms.get("M")
        return True
