"""The project's own hygiene: migrations, lint, production settings."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_ruff_finds_nothing():
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout
    fmt = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert fmt.returncode == 0, fmt.stdout


def test_deploy_check_is_clean_with_production_settings():
    # The browser tests lift Django's async guard for their session; production doesn't.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-8f3k2j4h5g6",
        "ALLOWED_HOSTS": "yixiang.example",
        "SITE_URL": "https://yixiang.example",
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "sqlite:////tmp/yixiang-deploy-check.sqlite3"
        ),
        "CACHE_URL": "locmemcache://",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "PII_KEY": "a-production-pii-key",
    }
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "System check identified no issues" in check.stdout
