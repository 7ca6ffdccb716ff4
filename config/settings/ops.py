"""Operations (README "Operations"): request ids, log format, health endpoints, Sentry.

Imported at the end of base.py; prod.py tightens it with ops_prod.py.
"""

from config.log_config import logging_config
from config.sentry import sentry_init

from .base import LOGGING, MIDDLEWARE, env

# The request id first (every later line has it), then the health endpoints, which answer
# before sessions, CSP, host checks and the HTTPS redirect (config/health.py).
MIDDLEWARE = [
    "config.request_id.RequestIdMiddleware",
    "config.health.HealthMiddleware",
    *MIDDLEWARE,
]
# Plain-http probes from the load balancer are not redirected to https.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
#: Seconds each /readyz check may take before it counts as failed.
READYZ_TIMEOUT = env.float("READYZ_TIMEOUT", default=3.0)

# "text" here (development, tests); production's default is "json" (ops_prod.py).
BASE_LOGGING = LOGGING
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = logging_config(BASE_LOGGING, LOG_FORMAT)

SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_RELEASE = env("SENTRY_RELEASE", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="")
sentry_init(dsn=SENTRY_DSN, release=SENTRY_RELEASE, environment=SENTRY_ENVIRONMENT)
