"""The production path's parts that the suite can run: settings from the contract, gunicorn's
configuration, /media/ on one host, and static files that collectstatic's manifest accepts.
The whole path (gunicorn behind a trusted proxy) is .ci/prod_smoke.sh."""

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.http import Http404
from django.test import RequestFactory

from config.media import media_serve, media_urlpatterns

ROOT = Path(__file__).resolve().parents[2]
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-8f3k2j4h5g6",
    "ALLOWED_HOSTS": "shop.example.cn",
    "SITE_URL": "https://shop.example.cn/",
    "DATABASE_URL": "sqlite:////tmp/yixiang-prod-settings.sqlite3",
    "CACHE_URL": "locmemcache://",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "PII_KEY": "a-production-pii-key",
}


def prod_settings(names: list[str], **extra: str) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k not in ("CSRF_TRUSTED_ORIGINS",)}
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print(*[repr(getattr(settings, n)) for n in {names!r}], sep='\\n')"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**inherited, **PROD_ENV, **extra},
        capture_output=True,
        text=True,
    )


def test_site_url_gives_the_cms_base_url_and_the_csrf_origins():
    run = prod_settings(
        ["WAGTAILADMIN_BASE_URL", "CSRF_TRUSTED_ORIGINS", "SECURE_PROXY_SSL_HEADER"]
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "'https://shop.example.cn'",
        "['https://shop.example.cn']",
        "None",
    ]
    again = prod_settings(
        ["CSRF_TRUSTED_ORIGINS"],
        CSRF_TRUSTED_ORIGINS="https://shop.example.cn,https://m.shop.example.cn",
    )
    assert again.stdout.splitlines() == ["['https://shop.example.cn', 'https://m.shop.example.cn']"]


def test_site_url_must_be_https():
    run = prod_settings(["SITE_URL"], SITE_URL="http://shop.example.cn")
    assert run.returncode != 0
    assert "SITE_URL must be the site's https:// address." in run.stderr


def test_smtp_login_and_tls_come_from_the_environment():
    run = prod_settings(
        [
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_HOST_USER",
            "EMAIL_HOST_PASSWORD",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
            "EMAIL_DELIVERY_BACKEND",
        ],
        EMAIL_HOST="smtp.exmail.qq.com",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="noreply@shop.example.cn",
        EMAIL_HOST_PASSWORD="smtp-secret",
        EMAIL_USE_TLS="true",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "'smtp.exmail.qq.com'",
        "587",
        "'noreply@shop.example.cn'",
        "'smtp-secret'",
        "True",
        "False",
        "'django.core.mail.backends.smtp.EmailBackend'",
    ]
    both = prod_settings(["EMAIL_USE_TLS"], EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")
    assert "Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both." in both.stderr


# ---------------------------------------------------------------- gunicorn


def gunicorn_conf(monkeypatch, **environ: str) -> dict:
    for name in (
        "GUNICORN_BIND",
        "PORT",
        "WEB_CONCURRENCY",
        "TRUSTED_PROXIES",
        "GUNICORN_CONTROL_SOCKET",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


def test_gunicorn_trusts_forwarded_proto_only_from_trusted_proxies(monkeypatch):
    assert gunicorn_conf(monkeypatch)["forwarded_allow_ips"] == "127.0.0.1,::1"
    conf = gunicorn_conf(monkeypatch, TRUSTED_PROXIES="10.0.0.5, 10.1.0.0/16")
    assert conf["forwarded_allow_ips"] == "10.0.0.5,10.1.0.0/16"
    assert conf["secure_scheme_headers"] == {"X-FORWARDED-PROTO": "https"}


def test_gunicorn_binds_from_port_or_gunicorn_bind(monkeypatch):
    assert gunicorn_conf(monkeypatch)["bind"] == "127.0.0.1:8000"
    assert gunicorn_conf(monkeypatch, PORT="9001")["bind"] == "127.0.0.1:9001"
    conf = gunicorn_conf(monkeypatch, PORT="9001", GUNICORN_BIND="unix:/run/yixiang/web.sock")
    assert conf["bind"] == "unix:/run/yixiang/web.sock"


def test_gunicorn_control_socket_only_where_the_operator_names_one(monkeypatch):
    # gunicorn's default is one path per user: two gunicorns on one machine collided on it
    # ("Control server error: Address '/root/.gunicorn/gunicorn.ctl' is already in use").
    conf = gunicorn_conf(monkeypatch)
    assert conf["control_socket_disable"] is True
    assert "control_socket" not in conf
    conf = gunicorn_conf(monkeypatch, GUNICORN_CONTROL_SOCKET="/run/yixiang/web-a.ctl")
    assert conf["control_socket"] == "/run/yixiang/web-a.ctl"
    assert "control_socket_disable" not in conf


def test_gunicorn_workers_from_web_concurrency_else_two_per_core_plus_one_at_most_eight(
    monkeypatch,
):
    assert gunicorn_conf(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3
    cores = os.cpu_count() or 1
    assert gunicorn_conf(monkeypatch)["workers"] == min(2 * cores + 1, 8)


def test_a_gunicorn_worker_loads_jieba_then_freezes_what_it_loaded(monkeypatch):
    """deploy/gunicorn.conf.py's post_worker_init: the dictionary is loaded before the first
    request, and the objects alive then are out of the collector's full sweeps."""
    import gc

    import jieba

    hook = gunicorn_conf(monkeypatch)["post_worker_init"]
    before = gc.get_freeze_count()
    try:
        hook(object())
        assert jieba.dt.initialized
        assert gc.get_freeze_count() > max(before, 100_000)
    finally:
        gc.unfreeze()


def test_gunicorn_logs_through_the_id_number_mask(monkeypatch):
    conf = gunicorn_conf(monkeypatch)
    assert "mask_id_numbers" in conf["logconfig_dict"]["handlers"]["access_console"]["filters"]
    assert conf["preload_app"] is False


# ---------------------------------------------------------------- /media/ on one host


def test_media_is_served_with_nosniff_from_media_root_only(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    (tmp_path / "media" / "shop" / "products").mkdir(parents=True)
    (tmp_path / "media" / "shop" / "products" / "potato.png").write_bytes(PNG)
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "licence.pdf").write_bytes(b"%PDF-1.4 private")
    request = RequestFactory().get("/media/shop/products/potato.png")

    response = media_serve(request, "shop/products/potato.png")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    # A path out of MEDIA_ROOT is refused (Django answers SuspiciousFileOperation with a 400).
    with pytest.raises(SuspiciousFileOperation):
        media_serve(RequestFactory().get("/media/../private/licence.pdf"), "../private/licence.pdf")
    with pytest.raises(Http404):
        media_serve(request, "shop/products/missing.png")
    assert media_serve(RequestFactory().post("/media/x"), "x").status_code == 405


def test_media_urls_only_with_serve_media_and_local_storage(settings):
    settings.DEBUG = False
    settings.SERVE_MEDIA = False
    assert media_urlpatterns() == []
    settings.SERVE_MEDIA = True
    [pattern] = media_urlpatterns()
    assert pattern.name == "media"
    assert pattern.resolve("media/shop/products/potato.png").kwargs == {
        "path": "shop/products/potato.png"
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    with pytest.raises(ImproperlyConfigured, match="local media only"):
        media_urlpatterns()


# ---------------------------------------------------------------- static files


def test_every_source_map_a_static_file_names_is_shipped():
    # collectstatic's manifest storage refuses a file whose sourceMappingURL names a missing
    # file; the vendored Chart.js named chart.umd.min.js.map, which is not shipped.
    missing = []
    for path in (ROOT / "static").rglob("*"):
        if path.suffix not in (".js", ".css"):
            continue
        for name in re.findall(r"sourceMappingURL=([^\s*]+)", path.read_text(errors="replace")):
            if not name.startswith("data:") and not (path.parent / name).exists():
                missing.append(f"{path.relative_to(ROOT)} -> {name}")
    assert missing == []
