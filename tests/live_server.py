"""A live server that belongs to one test: started for it, drained and stopped before its teardown.

pytest-django's own ``live_server`` lives for the whole session, and Django's threaded
server answers each connection in a daemon thread that nobody waits for: a webhook that
localstripe delivers after a test has ended is then served against the next test's
database (or against none: "Database access not allowed"). This one is function-scoped
(the root conftest.py puts it in place of pytest-django's) and, when it stops:

1. accepts no more connections;
2. lets every request already being served finish (its response sent, its database
   connection closed), and refuses any that arrives after this point without running it;
3. closes the idle keep-alive connections and joins every connection's thread.

Only then does ``transactional_db`` flush the database. It also tells a test when a
request has been served (``wait_until``), so a test waits for an event, not for a time.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from typing import Any

from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from pytest_django.live_server_helper import LiveServer

# A hang guard, not a timing assertion: a request still running after this long is a bug.
DRAIN_SECONDS = 120
WAIT_SECONDS = 120


class DrainingRequestHandler(QuietWSGIRequestHandler):
    def handle_one_request(self) -> None:
        # Wait for the next request (or the end of the connection) before counting it in.
        try:
            waiting = self.rfile.peek(1)
        except OSError:
            waiting = b""
        server: DrainingWSGIServer = self.server  # type: ignore[assignment]
        if not waiting or not server.request_begins():
            self.close_connection = True
            return
        self.status = "-"
        try:
            super().handle_one_request()
        finally:
            server.request_ends(
                getattr(self, "command", ""), getattr(self, "path", ""), self.status
            )

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        self.status = str(getattr(code, "value", code))


class DrainingWSGIServer(ThreadedWSGIServer):
    daemon_threads = False  # threads are tracked, and joined by server_close()
    block_on_close = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.changed = threading.Condition()
        self.busy = 0
        self.closing = False
        self.served: list[tuple[str, str, str]] = []  # (method, path, status), in order
        self.connections: set[socket.socket] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.changed:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.changed:
            self.connections.discard(request)
        super().shutdown_request(request)

    def request_begins(self) -> bool:
        with self.changed:
            if self.closing:
                return False
            self.busy += 1
            return True

    def request_ends(self, method: str, path: str, status: str) -> None:
        with self.changed:
            self.busy -= 1
            self.served.append((method, path, status))
            self.changed.notify_all()

    def server_close(self) -> None:
        """Called after shutdown() stopped accepting: drain, close what is idle, join."""
        with self.changed:
            self.closing = True
            drained = self.changed.wait_for(lambda: self.busy == 0, timeout=DRAIN_SECONDS)
            idle = list(self.connections)
        for connection in idle:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)
        super().server_close()  # closes the listening socket and joins every thread
        if not drained:
            raise AssertionError(f"a live-server request was still running after {DRAIN_SECONDS} s")


class DrainingLiveServerThread(LiveServerThread):
    server_class = DrainingWSGIServer

    def _create_server(self, connections_override: Any = None) -> DrainingWSGIServer:
        return DrainingWSGIServer(
            (self.host, self.port),
            DrainingRequestHandler,
            allow_reuse_address=False,
            connections_override=connections_override,
        )


class OwnLiveServer(LiveServer):
    """pytest-django's LiveServer, on a draining server thread."""

    def __init__(self, addr: str) -> None:
        super().__init__(addr, start=False)
        plain = self.thread
        self.thread = DrainingLiveServerThread(
            plain.host,
            static_handler=plain.static_handler,
            connections_override=plain.connections_override,
            port=plain.port,
        )
        self.thread.daemon = True
        self.start()

    @property
    def httpd(self) -> DrainingWSGIServer:
        return self.thread.httpd  # type: ignore[return-value]

    def served(self) -> list[tuple[str, str, str]]:
        with self.httpd.changed:
            return list(self.httpd.served)

    def wait_until(self, condition: Callable[[], bool], *, seconds: float = WAIT_SECONDS) -> None:
        """Return once ``condition()`` holds, asking again each time the server finishes a request.

        The condition is the test's own query (a webhook's outcome in the database, say);
        the server's requests are what can change it, so it is asked after each one.
        ``seconds`` only guards against a hang.
        """
        httpd = self.httpd
        while True:
            with httpd.changed:
                seen = len(httpd.served)
            if condition():
                return
            with httpd.changed:
                more = lambda seen=seen: len(httpd.served) > seen  # noqa: E731
                if not httpd.changed.wait_for(more, timeout=seconds):
                    raise AssertionError(
                        f"no request reached the live server in {seconds:.0f} s and the "
                        f"condition still fails; served so far: {httpd.served}"
                    )
