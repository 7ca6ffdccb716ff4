"""gunicorn's settings for Yixiang: ``gunicorn -c deploy/gunicorn.conf.py config.wsgi``.

Everything comes from the environment (README "Deploy"):

- ``GUNICORN_BIND`` (e.g. ``unix:/run/yixiang/gunicorn.sock`` or ``127.0.0.1:8000``), else
  ``127.0.0.1:$PORT`` (``PORT`` default 8000). Loopback by default: the TLS front end is
  on the same machine; a front end elsewhere needs ``GUNICORN_BIND=0.0.0.0:8000``.
- ``WEB_CONCURRENCY``: worker processes; default 2 × cores + 1, at most 8 (each worker
  holds a database connection and the jieba dictionary, about 150 MB).
- ``GUNICORN_TIMEOUT`` (default 30 s): a worker silent for longer is killed and replaced.
  Long work (imports, exports, evaluations) runs in Celery, not in a request.
- ``TRUSTED_PROXIES``: the addresses or networks of the TLS front end, the same list
  Django reads X-Forwarded-For by (common/client.py). gunicorn believes X-Forwarded-Proto
  (and so that the request came over https) only from these; the production settings do
  not read the header themselves. Unset: 127.0.0.1 and ::1 (gunicorn's own default), for
  a front end on the same machine; nothing else is trusted.
- ``GUNICORN_CONTROL_SOCKET``: the path of gunicorn's control socket (``gunicornc``).
  Unset: no control socket. gunicorn's default path (``~/.gunicorn/gunicorn.ctl``) is one
  per user, so a second gunicorn on the same machine (two sites, or a new release
  started beside the old) would find it taken and log an error.
"""

import gc
import multiprocessing
import os

from config.gunicorn_logging import logconfig_dict  # noqa: F401  (access log with ID numbers masked)

bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"

workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Longer than the front end's keep-alive to us (nginx's upstream keepalive_timeout is 60 s).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# A worker is replaced after this many requests (with jitter, so they do not all restart
# at once): a slow leak in a library cannot grow without end.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200

_trusted = [
    entry.strip() for entry in os.environ.get("TRUSTED_PROXIES", "").split(",") if entry.strip()
]
forwarded_allow_ips = ",".join(_trusted) if _trusted else "127.0.0.1,::1"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# Not preloaded: each worker imports Django itself after the fork. Preloading would save
# memory, but the connections opened while importing (the database, Redis, jieba's
# dictionary file) would be shared by every forked worker, and a `kill -HUP` reload would
# not pick up new code. The import takes a few seconds per worker, once.
preload_app = False

# Request lines and headers bigger than this are refused (gunicorn's defaults, stated).
limit_request_line = 4094
limit_request_fields = 100

# Logging: errors to stderr, the access log to stdout, both through the ID-number mask.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The client's address as the front end saw it (X-Forwarded-For), then the request.
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
proc_name = "yixiang-web"

control_socket_path = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if control_socket_path:
    control_socket = control_socket_path
else:
    control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Once the worker has loaded Django: jieba's dictionary is loaded now (not by the first
    search), and everything loaded so far is frozen out of the garbage collector's sweeps.

    A worker holds about 310,000 long-lived objects (Django, Oscar, Wagtail, the dictionary);
    each full collection walked them all, about 180 ms on this project's 2-core machine, in
    the middle of whichever request set it off (one catalogue page in four went from 150 to
    330 ms, issue #21's benchmark). Frozen objects are never collected, nor scanned again.
    """
    from shop.search.documents import terms

    terms("东川区")  # the first call loads jieba's dictionary
    gc.freeze()
