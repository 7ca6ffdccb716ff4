"""deploy/: the compose file parses and runs every queue; Procfile, systemd units and
compose run the same commands (issue #18, README "Operations")."""

import re
import shlex
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
QUEUES = ["payments", "email", "long", "celery"]  # the production contract's queues
WEB = "gunicorn -c deploy/gunicorn.conf.py config.wsgi"
BEAT = "celery -A config beat --loglevel=INFO"
CONTRACT = [
    "DATABASE_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "PII_KEYS",
    "PII_HASH_KEY",
    "PII_KEY",
    "CACHE_URL",
    "CELERY_BROKER_URL",
    "SITE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "WAGTAILADMIN_BASE_URL",
    "TRUSTED_PROXIES",
    "MEDIA_STORAGE",
    "SERVE_MEDIA",
    "S3_ENDPOINT_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_REGION",
    "S3_MEDIA_BUCKET",
    "S3_PRIVATE_BUCKET",
    "SEARCH_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "DEFAULT_FROM_EMAIL",
    "SENTRY_DSN",
    "LOG_FORMAT",
    "ADMIN_USERNAME",
    "ADMIN_EMAIL",
    "ADMIN_PASSWORD",
    "PORT",
    "GUNICORN_BIND",
    "WEB_CONCURRENCY",
]


def worker(queue: str) -> str:
    return f"celery -A config worker -Q {queue} -n {queue}@%h --loglevel=INFO"


def procfile() -> dict[str, str]:
    entries = {}
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def exec_start(unit: str, instance: str = "") -> str:
    """The unit's ExecStart as the process sees it: specifiers expanded, venv path dropped."""
    [line] = [
        line
        for line in (DEPLOY / "systemd" / unit).read_text().splitlines()
        if line.startswith("ExecStart=")
    ]
    command = line.removeprefix("ExecStart=").replace("%i", instance).replace("%%", "%")
    assert "%" not in command.replace("%h", ""), command
    return command.removeprefix("/opt/yixiang/.venv/bin/")


def test_the_procfile_runs_web_a_worker_per_queue_and_beat():
    assert procfile() == {
        "release": "python manage.py migrate --noinput",
        "web": WEB,
        **{f"worker_{queue}": worker(queue) for queue in QUEUES},
        "beat": BEAT,
    }


def test_the_systemd_units_run_the_procfile_commands():
    entries = procfile()
    assert exec_start("yixiang-web.service") == entries["web"]
    assert exec_start("yixiang-beat.service") == entries["beat"]
    for queue in QUEUES:
        assert exec_start("yixiang-worker@.service", queue) == entries[f"worker_{queue}"]
    for unit in (DEPLOY / "systemd").glob("*.service"):
        assert "EnvironmentFile=/etc/yixiang/env\n" in unit.read_text(), unit.name
    assert sorted(unit.name for unit in (DEPLOY / "systemd").glob("*.service")) == [
        "yixiang-beat.service",
        "yixiang-web.service",
        "yixiang-worker@.service",
    ]


def test_compose_parses_and_runs_every_queue_with_the_procfile_commands():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    entries = procfile()
    assert {"postgres", "redis", "minio", "minio-buckets", "web", "beat"} <= set(services)
    assert shlex.join(services["web"]["command"]) == entries["web"]
    assert shlex.join(services["beat"]["command"]) == entries["beat"]
    assert shlex.join(services["release"]["command"]) == entries["release"]
    workers = {
        name: service
        for name, service in services.items()
        if "worker" in service.get("command", [])
    }
    queues = sorted(
        service["command"][service["command"].index("-Q") + 1] for service in workers.values()
    )
    assert queues == sorted(QUEUES)
    for queue in QUEUES:
        assert shlex.join(services[f"worker-{queue}"]["command"]) == entries[f"worker_{queue}"]
    # every application service has the same settings; the cache and broker differ
    for name in ["web", "beat", "release", *workers]:
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.prod", name
        assert environment["CACHE_URL"] == "redis://redis:6379/1", name
        assert environment["CELERY_BROKER_URL"] == "redis://redis:6379/0", name
    buckets = " ".join(services["minio-buckets"]["command"])
    assert "mb --ignore-existing local/yixiang-media" in buckets
    assert "mb --ignore-existing local/yixiang-private" in buckets


def test_env_example_names_every_variable_of_the_contract():
    names = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(), re.M))
    assert set(CONTRACT) - names == set()
