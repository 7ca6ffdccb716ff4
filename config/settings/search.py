"""Product search: PostgreSQL full-text when the database is PostgreSQL, Whoosh otherwise.

``SEARCH_BACKEND`` (``postgres`` | ``whoosh``) overrides the choice. PostgreSQL's
index is a table in the shared database (every web host sees a saved product at
once); Whoosh's is a folder on one host's disk (``WHOOSH_PATH``), for the
embedded single-host default. Both read text through jieba (shop/search/).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import DATABASES, VAR_DIR, env

_POSTGRES_ENGINES = ("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis")
_ON_POSTGRES = DATABASES["default"]["ENGINE"] in _POSTGRES_ENGINES

SEARCH_BACKEND = env("SEARCH_BACKEND", default="postgres" if _ON_POSTGRES else "whoosh")
if SEARCH_BACKEND == "postgres":
    if not _ON_POSTGRES:
        raise ImproperlyConfigured("SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL.")
    HAYSTACK_CONNECTIONS = {
        "default": {"ENGINE": "shop.search.backends.PostgresEngine", "INCLUDE_SPELLING": False}
    }
elif SEARCH_BACKEND == "whoosh":
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "shop.search.backends.ChineseWhooshEngine",
            "PATH": env("WHOOSH_PATH", default=str(VAR_DIR / "whoosh_index")),
            "INCLUDE_SPELLING": False,
        }
    }
else:
    raise ImproperlyConfigured(
        f"SEARCH_BACKEND must be postgres or whoosh, not {SEARCH_BACKEND!r}."
    )
HAYSTACK_SIGNAL_PROCESSOR = "shop.search.signals.ProductIndexSignalProcessor"
