"""Fixtures shared by the whole suite.

The demo data is loaded once per test session into the test database (it is
what the storefront tests browse), and every test runs in a transaction that
is rolled back. Tests that need committed data (browser tests against a live
server) load it again themselves.
"""

import pytest
from django.core.management import call_command
from django.db.backends.signals import connection_created
from django.dispatch import receiver

pytest_plugins = ["tests.stripe_fixtures"]


@receiver(connection_created, dispatch_uid="tests_sqlite_wal")
def _sqlite_wal(sender, connection, **kwargs):
    """SQLite's test database (a file, see config/settings/test.py) in WAL mode.

    A test reading while the live server writes then sees the last commit instead of
    an error; nothing here needs to survive a power cut, so writes are not synced.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from demo.services import demo_load

    with django_db_blocker.unblock():
        demo_load()
        call_command("rebuild_index", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def _email_through_celery(settings):
    """Django's test setup swaps in the locmem e-mail backend; put ours back.

    Messages then take the production path (queued on commit to the Celery
    task), and the task delivers to locmem (EMAIL_DELIVERY_BACKEND in test settings).
    """
    settings.EMAIL_BACKEND = "config.email.CeleryEmailBackend"


@pytest.fixture(autouse=True)
def _shop_navigation_fresh():
    """Each test builds the cached navigation from its own data (another test's rolled-back
    category or page must not linger in the cache; shop/navigation.py)."""
    from shop.navigation import navigation_cache_clear

    navigation_cache_clear()
