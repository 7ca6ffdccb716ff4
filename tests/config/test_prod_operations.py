"""config.settings.prod: JSON logs, cached_db sessions, cache and broker apart (issue #18)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "SECRET_KEY": "prod-test-secret-key-0123456789-0123456789",
    "ALLOWED_HOSTS": "shop.example.cn",
    "SITE_URL": "https://shop.example.cn",
    "DATABASE_URL": "postgres://yixiang@127.0.0.1:5432/yixiang",
    "PII_KEY": "prod-test-pii-key",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}
SHOW = (
    "from django.conf import settings as s; import json; print(json.dumps({"
    "'session': s.SESSION_ENGINE, 'log_format': s.LOG_FORMAT, "
    "'formatters': sorted({h['formatter'] for h in s.LOGGING['handlers'].values()}), "
    "'exempt': s.SECURE_REDIRECT_EXEMPT, 'middleware': s.MIDDLEWARE[:2]}))"
)


def prod(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if k not in PROD_ENV and k != "LOG_FORMAT"},
        **PROD_ENV,
        **overrides,
    }
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_prod_logs_json_keeps_sessions_in_the_database_and_exempts_the_probes():
    run = prod()
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "session": "django.contrib.sessions.backends.cached_db",
        "log_format": "json",
        "formatters": ["json"],
        "exempt": ["^healthz/?$", "^readyz/?$"],
        "middleware": ["config.request_id.RequestIdMiddleware", "config.health.HealthMiddleware"],
    }


def test_prod_logs_text_when_asked():
    run = prod(LOG_FORMAT="text")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["formatters"] == ["django.server", "plain"]


def test_prod_refuses_the_cache_and_the_broker_in_one_redis_database():
    run = prod(CACHE_URL="redis://127.0.0.1:6379/0", CELERY_BROKER_URL="redis://127.0.0.1/0")
    assert run.returncode != 0
    assert "ImproperlyConfigured: CACHE_URL and CELERY_BROKER_URL name the same Redis" in (
        run.stderr
    )


def test_prod_refuses_the_default_database_zero_for_both():
    run = prod(CACHE_URL="redis://127.0.0.1:6379", CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert run.returncode != 0
    assert "name the same Redis database" in run.stderr


def test_prod_accepts_the_same_database_number_on_different_servers():
    run = prod(CACHE_URL="redis://cache.internal:6379/0", CELERY_BROKER_URL="redis://mq:6379/0")
    assert run.returncode == 0, run.stderr
