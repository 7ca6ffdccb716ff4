"""Errors go to Sentry when SENTRY_DSN is set, with ID numbers masked (issue #18).

The far side of the network is a local HTTP server started here, standing in for Sentry:
the real sentry-sdk sends its envelope to it over HTTP.
"""

import gzip
import json
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from django.conf import settings
from django.test import Client

from config.sentry import sentry_init

ID = "11010519491231002X"
MASKED = "110105********002X"


def _decode(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        import brotli  # type: ignore[import-not-found]

        return bytes(brotli.decompress(body))
    return body


@pytest.fixture
def sentry_server() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    received: list[tuple[str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, _decode(body, self.headers.get("Content-Encoding", ""))))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://publickey@127.0.0.1:{server.server_address[1]}/42", received
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # no DSN: off again for the rest of the suite
        server.shutdown()
        server.server_close()


def test_sentry_is_off_without_a_dsn():
    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()


def test_a_view_error_sends_one_envelope_with_the_id_number_masked(sentry_server, settings):
    dsn, received = sentry_server
    settings.ROOT_URLCONF = "tests.config.sentry_urls"
    sentry_init(dsn=dsn, release="yixiang@test", environment="ci")

    response = Client(raise_request_exception=False).get("/fail/")
    sentry_sdk.flush(timeout=10)

    assert response.status_code == 500
    assert len(received) == 1
    path, body = received[0]
    assert path == "/api/42/envelope/"
    text = body.decode()
    assert ID not in text
    assert MASKED in text
    items = [json.loads(line) for line in text.splitlines() if line.strip()]
    event = next(item for item in items if "exception" in item)
    [exception] = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["value"] == f"household {MASKED} not found"
    assert event["release"] == "yixiang@test"
    assert event["environment"] == "ci"
    assert "user" not in event or "ip_address" not in event.get("user", {})
    assert "cookies" not in event.get("request", {})
