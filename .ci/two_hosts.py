"""Two web hosts, one truth (issue #18, README "Deploy"): run by .ci/run after the smoke test.

Starts, with ``config.settings.prod``, on one fresh PostgreSQL database, one Redis (broker
and cache databases), one S3-compatible object storage (moto's server, the far side of the
network) and nothing else in common:

- host A and host B: gunicorn with deploy/gunicorn.conf.py on two ports, each with its own
  empty local media, private and index folders (anything kept on one host's disk would show);
- one Celery worker on every queue, and two beats (one per host), as README "Deploy" runs them.

Then checks, through the hosts' HTTP ports as a load balancer on this machine would call them
(``X-Forwarded-Proto: https`` from 127.0.0.1, the trusted front end):

1. a login on A is a login on B (sessions in the database behind the shared cache);
2. a product picture uploaded through A's dashboard is in the bucket, not on A's disk, and
   B's product page shows thumbnails B made from it (same colour as the upload);
3. a product renamed on A is found by B's search (and was not before);
4. a basket started on A continues on B;
5. 50 buyers, each moving between A and B at every step, race for 20 units of one product:
   exactly 20 orders, 30 told it sold out, the stock record at 20 of 20 allocated;
6. the every-minute scheduled jobs ran once per minute, not once per beat, including across
   the leading beat being killed (SIGKILL) and the other taking over.

Prints what it measured; exits 1 on the first failure, stopping every process it started.
Environment (defaults for CI): TWO_HOSTS_DB (yixiang_two_hosts), TWO_HOSTS_BROKER_DB and
TWO_HOSTS_CACHE_DB (Redis databases 12 and 13, which the smoke test has finished with).
"""

from __future__ import annotations

import collections
import contextlib
import http.client
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "shop.yixiang.example"
DB_NAME = os.environ.get("TWO_HOSTS_DB", "yixiang_two_hosts")
BROKER_DB = os.environ.get("TWO_HOSTS_BROKER_DB", "12")
CACHE_DB = os.environ.get("TWO_HOSTS_CACHE_DB", "13")
MEDIA_BUCKET, PRIVATE_BUCKET = "yx-media", "yx-private"
S3_KEY, S3_SECRET = "two-hosts-key", "two-hosts-secret"
BUYERS, UNITS = 50, 20
HOT_UPC, RENAMED_UPC, BASKET_UPC = "YX-DC-003", "YX-DC-005", "YX-DC-001"
NEW_TITLE = "乌蒙山蓝莓果酱 250g"
SEARCH_WORD = "蓝莓"
PICTURE_COLOUR = (23, 160, 71)
MINUTE_JOBS = ("impact.tasks.impact_attribution_catch_up", "config.tasks.email_outbox_catch_up")
LEADS = "this process leads"
BEAT_LOCK_TIMEOUT = 6
STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"== two hosts ({time.monotonic() - STARTED:.0f}s): {message}", flush=True)


class Failed(Exception):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise Failed(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def secret(prefix: str) -> str:
    return f"{prefix}-{secrets.token_urlsafe(24)}"


# ---------------------------------------------------------------- processes


class Processes:
    """Every process the run starts, each in its own session; all stopped on exit."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.started: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
        self.started[name] = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=(self.work / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_of(self, name: str) -> str:
        return (self.work / f"{name}.log").read_text(errors="replace")

    def alive(self, name: str) -> bool:
        return self.started[name].poll() is None

    def kill(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.started[name]
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in reversed(list(self.started)):
            self.kill(name)


def run(argv: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise Failed(
            f"{' '.join(argv)} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result.stdout


def psql(sql: str) -> None:
    run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-c", sql],
        os.environ.copy(),
    )


def wait_until(what: str, seconds: float, probe, interval: float = 0.25):
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failed(f"waited {seconds:.0f} s for {what}")
        time.sleep(interval)


# ---------------------------------------------------------------- HTTP through the "front end"


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Browser:
    """One buyer's cookies, sent to whichever host the "load balancer" picks.

    Cookies are kept whatever their Secure flag (the front end speaks https to the buyer).
    """

    def __init__(self, hosts: dict[str, int]) -> None:
        self.hosts = hosts
        self.cookies: dict[str, str] = {}

    def request(
        self,
        host: str,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Response:
        # Product and category slugs are Chinese: the request line is ASCII, percent-encoded.
        path = urllib.parse.quote(path, safe="/?&=%:+,;@_-.~")
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7",
            "Accept-Language": "zh-hans",
            "User-Agent": "yixiang-two-hosts",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Origin"] = f"https://{HOST}"
            headers["Referer"] = f"https://{HOST}{path}"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        if content_type:
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection("127.0.0.1", self.hosts[host], timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower() or value == '""':
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        if response.status >= 500:
            raise Failed(
                f"{method} {path} on host {host}: {response.status}\n{response.text[:3000]}"
            )
        return response

    def get(self, host: str, path: str) -> Response:
        return self.request(host, "GET", path)

    def post(
        self, host: str, path: str, fields: list[tuple[str, str]] | dict[str, str]
    ) -> Response:
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        pairs.append(("csrfmiddlewaretoken", self.cookies.get("csrftoken", "")))
        body = urllib.parse.urlencode(pairs).encode()
        return self.request(host, "POST", path, body, "application/x-www-form-urlencoded")

    def post_multipart(self, host: str, path: str, fields: list[tuple[str, object]]) -> Response:
        from urllib3 import encode_multipart_formdata

        fields = [*fields, ("csrfmiddlewaretoken", self.cookies.get("csrftoken", ""))]
        body, content_type = encode_multipart_formdata(fields)
        return self.request(host, "POST", path, body, content_type)


class Forms(HTMLParser):
    """The forms of a page, with what a browser would submit for each field as it stands."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = {"attrs": a, "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "image", "reset"):
                return
            self._form["fields"].append(
                {
                    "name": a["name"],
                    "type": kind,
                    "value": a.get("value", "on" if kind == "checkbox" else ""),
                }
            )
        elif tag == "select" and a.get("name"):
            self._select = {
                "name": a["name"],
                "type": "select",
                "value": None,
                "first": None,
                "multiple": "multiple" in a,
                "values": [],
            }
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["values"].append(value)
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "type": "textarea", "value": ""}
            self._form["fields"].append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def form(self, form_id: str) -> list[tuple[str, str]]:
        """The named form's fields as (name, value) pairs, as a browser would post them."""
        for form in self.forms:
            if form["attrs"].get("id") == form_id:
                pairs = []
                for field in form["fields"]:
                    if field["type"] == "file":
                        continue
                    if field["type"] == "select":
                        chosen = field["values"] or ([] if field["multiple"] else [field["first"]])
                        pairs.extend((field["name"], v) for v in chosen if v is not None)
                    else:
                        value = field["value"]
                        if field["type"] == "textarea" and value.startswith("\n"):
                            value = value[1:]  # the newline after <textarea> is not content
                        pairs.append((field["name"], value))
                return pairs
        raise Failed(f"no form with id {form_id!r} on the page")


# ---------------------------------------------------------------- the run


def minute_of(line: str) -> str | None:
    """The minute (UTC, ``YYYY-mm-dd HH:MM``) a JSON log line was written."""
    with contextlib.suppress(ValueError, KeyError, TypeError):
        written = datetime.fromisoformat(json.loads(line)["time"])
        return written.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return None


def sends_by_minute(beat_logs: list[str], task: str) -> dict[str, int]:
    """How many times the beats sent ``task``, by the minute they sent it (UTC)."""
    sends: collections.Counter[str] = collections.Counter()
    for text in beat_logs:
        for line in text.splitlines():
            if "Sending due task" in line and f"({task})" in line:
                sends[minute_of(line) or "?"] += 1
    return dict(sorted(sends.items()))


def runs_received(worker_log: str, task: str) -> int:
    """How many distinct runs of ``task`` the worker received."""
    return len(set(re.findall(re.escape(task) + r"\[([0-9a-f-]{36})\] received", worker_log)))


def not_near_a_minute_boundary() -> None:
    """Wait while the clock is within 8 s of a minute's turn (when the minute jobs are sent)."""
    while not 8 <= datetime.now(UTC).second <= 50:
        time.sleep(0.5)


def picture(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "PNG")
    return buffer.getvalue()


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="yixiang-two-hosts-"))
    processes = Processes(work)
    try:
        two_hosts(work, processes)
    except Failed as failure:
        processes.stop_all()
        for name in processes.started:
            tail = processes.log_of(name)[-4000:]
            print(f"\n---- {name}.log (last lines)\n{tail}", file=sys.stderr)
        print(f"\ntwo hosts FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
    finally:
        processes.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    print("two hosts: all passed", flush=True)


def two_hosts(work: Path, processes: Processes) -> None:
    # -- the shared services
    log(f"fresh database {DB_NAME}, Redis {BROKER_DB} (broker) and {CACHE_DB} (cache), moto S3")
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME}")
    for db in (BROKER_DB, CACHE_DB):
        run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "-n", db, "flushdb"], os.environ.copy())
    s3_port = free_port()
    processes.start(
        "s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)], os.environ.copy()
    )
    s3_endpoint = f"http://127.0.0.1:{s3_port}"

    import boto3

    def s3_up() -> bool:
        check(processes.alive("s3"), "moto_server exited")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", s3_port), 0.5):
            return True
        return False

    wait_until("the S3 server", 30, s3_up)
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_SECRET,
        region_name="us-east-1",
    )
    for bucket in (MEDIA_BUCKET, PRIVATE_BUCKET):
        s3.create_bucket(Bucket=bucket)

    template = os.environ.get("TWO_HOSTS_TEMPLATE_DB")  # to run it again quickly, by hand
    check(not template or re.fullmatch(r"[a-z_][a-z0-9_]*", template), "TWO_HOSTS_TEMPLATE_DB")
    # A migrated database to start from (CI's yixiang_template: its one migrate of an empty
    # database ran already), so that migrate here is an upgrade with nothing to apply.
    migrated = os.environ.get("TWO_HOSTS_MIGRATED_DB")
    check(not migrated or re.fullmatch(r"[a-z_][a-z0-9_]*", migrated), "TWO_HOSTS_MIGRATED_DB")
    common = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": secret("two-hosts"),
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"https://{HOST}",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "CACHE_URL": f"redis://127.0.0.1:6379/{CACHE_DB}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{BROKER_DB}",
        "BEAT_LOCK_TIMEOUT": str(BEAT_LOCK_TIMEOUT),
        "PII_KEYS": secret("two-hosts-pii"),
        "PII_HASH_KEY": secret("two-hosts-hash"),
        "MEDIA_STORAGE": "s3",
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_ACCESS_KEY_ID": S3_KEY,
        "S3_SECRET_ACCESS_KEY": S3_SECRET,
        "S3_MEDIA_BUCKET": MEDIA_BUCKET,
        "S3_PRIVATE_BUCKET": PRIVATE_BUCKET,
        "TRUSTED_PROXIES": "127.0.0.1",
        "REGION_CODES": "530113,530128,530129",
        "ADMIN_USERNAME": "operator",
        "ADMIN_EMAIL": "operator@yixiang.example",
        # A template database (TWO_HOSTS_TEMPLATE_DB) keeps the administrator it was made with.
        "ADMIN_PASSWORD": f"{template}-Op-7x" if template else secret("op"),
        "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_FORMAT": "json",
    }
    for name in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "SEARCH_BACKEND", "SERVE_MEDIA"):
        common.pop(name, None)

    def host_env(name: str) -> dict[str, str]:
        """A host's own disk: folders no other host can see, empty at the start."""
        folder = work / f"host-{name}"
        for sub in ("media", "private", "whoosh", "tmp"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        return {
            **common,
            "MEDIA_ROOT": str(folder / "media"),
            "PRIVATE_MEDIA_ROOT": str(folder / "private"),
            "WHOOSH_PATH": str(folder / "whoosh"),
            "TMPDIR": str(folder / "tmp"),
        }

    env_a, env_b, env_ops = host_env("a"), host_env("b"), host_env("ops")
    python = str(BIN / "python")
    celery = [python, "-m", "celery", "-A", "config"]

    if (
        template
        and run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{template}'",  # noqa: S608 (checked name)
            ],
            os.environ.copy(),
        ).strip()
    ):
        log(f"migrated and bootstrapped: a copy of {template}")
        psql(f"DROP DATABASE {DB_NAME}")
        psql(f"CREATE DATABASE {DB_NAME} TEMPLATE {template}")
    else:
        if migrated:
            psql(f"DROP DATABASE {DB_NAME}")
            psql(f"CREATE DATABASE {DB_NAME} TEMPLATE {migrated}")
        log(f"migrate{f' (a copy of {migrated})' if migrated else ''}, bootstrap")
        run([python, "manage.py", "migrate", "--noinput", "-v0"], env_ops)
        run([python, "manage.py", "bootstrap"], env_ops)
        if template:
            psql(f"CREATE DATABASE {template} TEMPLATE {DB_NAME}")

    # The worker and both beats start now, so that the minute jobs' turns pass during the run.
    log("one worker on every queue; a beat on each host")
    processes.start(
        "worker",
        [
            *celery,
            "worker",
            "-Q",
            "payments,email,long,celery",
            "-n",
            "all@two-hosts",
            "--concurrency=2",
            "--loglevel=INFO",
        ],
        env_ops,
    )
    processes.start("beat-a", [*celery, "beat", "--loglevel=INFO"], env_a)
    processes.start("beat-b", [*celery, "beat", "--loglevel=INFO"], env_b)
    # The minute jobs are sent at every minute's turn after a beat first leads.
    wait_until(
        "a beat to lead",
        120,
        lambda: any(LEADS in processes.log_of(b) for b in ("beat-a", "beat-b")),
    )
    leading_since = datetime.now(UTC)

    log("the demo (its pictures go to the bucket), collectstatic")
    run([python, "manage.py", "load_demo", "--force"], env_ops)
    run([python, "manage.py", "collectstatic", "--noinput", "--clear", "-v0"], env_ops)

    log("host A and host B: gunicorn with deploy/gunicorn.conf.py")
    hosts = {"A": free_port(), "B": free_port()}
    for name, port in hosts.items():
        processes.start(
            f"web-{name}",
            [python, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
            {**(env_a if name == "A" else env_b), "PORT": str(port), "WEB_CONCURRENCY": "3"},
        )
    for name in hosts:

        def ready(name: str = name) -> bool:
            check(processes.alive(f"web-{name}"), f"host {name}'s gunicorn exited")
            with contextlib.suppress(OSError, http.client.HTTPException):
                return Browser(hosts).get(name, "/readyz").status == 200
            return False

        wait_until(f"host {name} to be ready (/readyz)", 90, ready)
    print(f"   A on port {hosts['A']}, B on port {hosts['B']}; /readyz 200 on both")

    # The checks read the shared database directly, as a third host would.
    os.environ.update(env_ops)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from oscar.core.loading import get_model

    from tests.shop.checkout_flow import ADDRESS  # the address the checkout tests use

    product_model = get_model("catalogue", "Product")
    stock_model = get_model("partner", "StockRecord")
    order_line_model = get_model("order", "Line")
    image_model = get_model("catalogue", "ProductImage")

    # -- 1. one login, both hosts
    log("1. a login on A is a login on B")
    staff = Browser(hosts)
    staff.get("A", "/shop/dashboard/login/")
    response = staff.post(
        "A",
        "/shop/dashboard/login/",
        {"username": env_ops["ADMIN_USERNAME"], "password": env_ops["ADMIN_PASSWORD"]},
    )
    check(
        response.status == 302, f"the login on A answered {response.status}: {response.text[:2000]}"
    )
    response = staff.get("B", "/shop/dashboard/")
    check(
        response.status == 200,
        f"B's dashboard after A's login: {response.status} {response.location}",
    )
    print("   dashboard on B: 200 for the session made on A")

    # -- 2 and 3. a picture and a new name, saved through A
    renamed = product_model.objects.get(upc=RENAMED_UPC)
    search_path = "/shop/search/?" + urllib.parse.urlencode({"q": SEARCH_WORD})
    check(
        urllib.parse.quote(f"/{renamed.slug}_{renamed.pk}/")
        not in Browser(hosts).get("B", search_path).text,
        f"B's search finds {SEARCH_WORD!r} before the product is renamed",
    )
    log(f"2, 3. on A's dashboard: a new picture and the title {NEW_TITLE!r} for {RENAMED_UPC}")
    edit_path = f"/shop/dashboard/catalogue/products/{renamed.pk}/"
    page = staff.get("A", edit_path)
    check(page.status == 200, f"the product form on A: {page.status}")
    fields = Forms(page.text).form("create_update_product_form")
    initial = int(dict(fields)["images-INITIAL_FORMS"])
    fields = [(n, NEW_TITLE if n == "title" else v) for n, v in fields]
    upload = picture(PICTURE_COLOUR)
    saved_at = time.monotonic()
    response = staff.post_multipart(
        "A",
        edit_path,
        [*fields, (f"images-{initial}-original", ("two-hosts.png", upload, "image/png"))],
    )
    check(
        response.status == 302,
        f"saving the product on A answered {response.status}: "
        + " ".join(
            re.findall(r'class="[^"]*(?:error|invalid)[^"]*"[^>]*>([^<]{1,200})', response.text)
        )[:2000],
    )
    images = list(image_model.objects.filter(product=renamed).order_by("display_order", "pk"))
    check(len(images) == initial + 1, f"{len(images)} pictures after the upload, not {initial + 1}")
    stored = images[-1].original.name
    body = s3.get_object(Bucket=MEDIA_BUCKET, Key=stored)["Body"].read()
    check(body == upload, "the bucket's copy differs from the upload")
    on_disk = [p for p in (work / "host-a").rglob("*") if p.is_file()]
    check(
        not [p for p in on_disk if p.suffix in (".png", ".jpg", ".jpeg")],
        f"pictures on host A's disk: {on_disk}",
    )
    print(f"   in the bucket: {stored} ({len(body)} bytes, identical); nothing on A's disk")

    product_page = Browser(hosts).get("B", f"/shop/catalogue/{renamed.slug}_{renamed.pk}/")
    check(product_page.status == 200, f"B's product page: {product_page.status}")
    media_url = f"{s3_endpoint}/{MEDIA_BUCKET}/"
    sources = sorted(
        set(re.findall(r'src="(' + re.escape(media_url) + r'[^"]+)"', product_page.text))
    )
    check(sources, f"B's product page shows no picture from the bucket {media_url}")
    from PIL import Image

    matching = []
    for source in sources:
        key = urllib.parse.unquote(source[len(media_url) :])
        data = s3.get_object(Bucket=MEDIA_BUCKET, Key=key)["Body"].read()
        with Image.open(io.BytesIO(data)) as shown:
            pixel = shown.convert("RGB").getpixel((shown.width // 2, shown.height // 2))
        if all(abs(a - b) <= 6 for a, b in zip(pixel, PICTURE_COLOUR, strict=True)):
            matching.append(key)
    check(matching, f"none of B's pictures {sources} is made from the upload")
    check(
        not [
            p
            for p in (work / "host-b").rglob("*")
            if p.is_file() and p.suffix in (".png", ".jpg", ".jpeg")
        ],
        "pictures on host B's disk",
    )
    print(
        f"   B's product page: {len(sources)} pictures from the bucket, {len(matching)} made from A's upload"
    )

    def found_on_b() -> bool:
        # The page links it by its slug, Chinese, percent-encoded as Django writes URLs.
        return (
            urllib.parse.quote(f"/{renamed.slug}_{renamed.pk}/")
            in Browser(hosts).get("B", search_path).text
        )

    renamed.refresh_from_db()
    wait_until(f"B's search to find {SEARCH_WORD!r}", 60, found_on_b, interval=0.2)
    print(f"   B's search finds {NEW_TITLE!r} {time.monotonic() - saved_at:.1f} s after A saved it")

    # -- 4. a basket from A to B
    log("4. a basket started on A continues on B")
    buyer = Browser(hosts)
    basket_product = product_model.objects.get(upc=BASKET_UPC)
    buyer.get("A", f"/shop/catalogue/{basket_product.slug}_{basket_product.pk}/")
    response = buyer.post("A", f"/shop/basket/add/{basket_product.pk}/", {"quantity": "2"})
    check(response.status == 302, f"basket add on A: {response.status}")
    basket = buyer.get("B", "/shop/basket/")
    check(basket_product.title in basket.text, "B's basket page lacks the product added on A")
    check(
        re.search(r'name="form-0-quantity"[^>]*value="2"', basket.text),
        "B's basket lacks the quantity 2",
    )
    print(f"   B's basket: {basket_product.title} × 2")

    # -- 5. 50 buyers over both hosts, 20 units
    log(f"5. {BUYERS} buyers over both hosts for {UNITS} units of {HOT_UPC}")
    hot = product_model.objects.get(upc=HOT_UPC)
    stock_model.objects.filter(product=hot).update(num_in_stock=UNITS, num_allocated=0)
    orders_before = order_line_model.objects.filter(product=hot).count()
    barrier = threading.Barrier(BUYERS)

    def buy(i: int) -> tuple[str, float]:
        browser = Browser(hosts)
        turn = iter(["A", "B"] * 10 if i % 2 == 0 else ["B", "A"] * 10)
        browser.get(next(turn), f"/shop/catalogue/{hot.slug}_{hot.pk}/")
        response = browser.post(next(turn), f"/shop/basket/add/{hot.pk}/", {"quantity": "1"})
        check(response.status == 302, f"buyer {i}: basket add {response.status}")
        response = browser.post(
            next(turn),
            "/shop/checkout/",
            {"username": f"buyer{i}@example.com", "options": "anonymous"},
        )
        check(response.status == 302, f"buyer {i}: guest checkout {response.status}")
        response = browser.post(
            next(turn),
            "/shop/checkout/shipping-address/",
            ADDRESS,
        )
        check(
            response.status == 302,
            f"buyer {i}: shipping address {response.status} {response.text[:1500]}",
        )
        response = browser.get(next(turn), "/shop/checkout/shipping-method/")
        check(response.status == 302, f"buyer {i}: shipping method {response.status}")
        response = browser.post(next(turn), "/shop/checkout/preview/", {"method": "transfer"})
        check(
            response.status == 200 and 'id="place_order_form"' in response.text,
            f"buyer {i}: preview {response.status} {response.location}",
        )
        barrier.wait(timeout=300)
        started = time.monotonic()
        response = browser.post(next(turn), "/shop/checkout/preview/", {"action": "place_order"})
        seconds = time.monotonic() - started
        if response.status == 302 and response.location.endswith("/shop/checkout/thank-you/"):
            return "order", seconds
        if response.status == 200 and "售罄" in response.text:
            return "sold out", seconds
        if response.status == 302 and response.location.endswith("/shop/basket/"):
            page = browser.get(next(turn), "/shop/basket/")
            if "不再可以购买" in page.text or "售罄" in page.text:
                return "sold out", seconds
        return f"unexpected {response.status} {response.location}", seconds

    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        outcomes = list(pool.map(buy, range(BUYERS)))
    tally = collections.Counter(outcome for outcome, _ in outcomes)
    waits = sorted(seconds for _, seconds in outcomes)
    print(
        f"   outcomes: {dict(tally)}; placing took p50 {waits[len(waits) // 2]:.2f} s, "
        f"max {waits[-1]:.2f} s"
    )
    record = stock_model.objects.get(product=hot)
    sold = order_line_model.objects.filter(product=hot).count() - orders_before
    print(
        f"   stock record: {record.num_allocated} of {record.num_in_stock} allocated; "
        f"{sold} order lines for it"
    )
    check(tally == {"order": UNITS, "sold out": BUYERS - UNITS}, f"outcomes {dict(tally)}")
    check((record.num_in_stock, record.num_allocated) == (UNITS, UNITS), "stock counts")
    check(sold == UNITS, f"{sold} order lines, not {UNITS}")

    # -- 6. one run per minute, across a beat's death
    log("6. the minute jobs: one run per minute, across the leading beat's death")
    leads = {name: LEADS in processes.log_of(name) for name in ("beat-a", "beat-b")}
    check(sum(leads.values()) == 1, f"beats leading: {leads}")
    leader = next(name for name, yes in leads.items() if yes)
    survivor = "beat-b" if leader == "beat-a" else "beat-a"

    def beat_logs() -> list[str]:
        return [processes.log_of("beat-a"), processes.log_of("beat-b")]

    # On a fast run no minute has turned yet since a beat first led: wait for the first.
    wait_until("the first minute job", 75, lambda: sends_by_minute(beat_logs(), MINUTE_JOBS[0]))
    not_near_a_minute_boundary()
    killed_at = datetime.now(UTC)
    processes.kill(leader, signal.SIGKILL)
    print(f"   killed {leader} (the leader) at {killed_at:%H:%M:%S}")
    wait_until(
        f"{survivor} to lead", BEAT_LOCK_TIMEOUT * 4, lambda: LEADS in processes.log_of(survivor)
    )

    def sent_after_kill() -> bool:
        later = sends_by_minute([processes.log_of(survivor)], MINUTE_JOBS[0])
        return any(minute > killed_at.strftime("%Y-%m-%d %H:%M") for minute in later)

    wait_until("a minute job sent after the takeover", 75, sent_after_kill)
    time.sleep(5)  # a second sending of that minute's jobs would be logged by now
    not_near_a_minute_boundary()
    processes.kill(survivor)
    stopped = datetime.now(UTC)
    first = leading_since.replace(second=0, microsecond=0)
    turns = int((stopped.replace(second=0, microsecond=0) - first).total_seconds() // 60)
    print(
        f"   minute turns while a beat led: {turns} "
        f"({leading_since:%H:%M:%S} to {stopped:%H:%M:%S})"
    )
    from django_celery_beat.models import PeriodicTask

    recorded = {
        task.task: task.total_run_count
        for task in PeriodicTask.objects.filter(task__in=MINUTE_JOBS)
    }
    for task in MINUTE_JOBS:
        sends = sends_by_minute(beat_logs(), task)
        check(all(n == 1 for n in sends.values()), f"{task} sent more than once a minute: {sends}")
        check(len(sends) == turns, f"{task} sent in {len(sends)} minutes, {turns} turned: {sends}")
        # Every run sent was run, once (the worker may be behind: it is given a minute).
        wait_until(
            f"the worker to receive {turns} runs of {task}",
            60,
            lambda task=task: runs_received(processes.log_of("worker"), task) >= turns,
        )
        received = runs_received(processes.log_of("worker"), task)
        print(
            f"   {task}: sent once in each of {len(sends)} minutes; the worker received "
            f"{received}; the schedule recorded {recorded.get(task)}"
        )
        check(received == turns, f"{task}: the worker received {received} runs, not {turns}")
        check(recorded.get(task) == turns, f"{task}: the schedule recorded {recorded.get(task)}")

    # -- the logs of every process: no error
    for name in processes.started:
        if name == "s3" or name in (leader,):
            continue
        text = processes.log_of(name)
        bad = [
            line
            for line in text.splitlines()
            if re.search(r'"level": "(ERROR|CRITICAL)"|Traceback|\[ERROR\]', line)
        ]
        check(not bad, f"errors in {name}'s log:\n" + "\n".join(bad[:20]))


if __name__ == "__main__":
    main()
