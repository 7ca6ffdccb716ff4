"""Fixtures shared by the whole suite.

The demo data is loaded once per test session into the test database (it is
what the storefront tests browse), and every test runs in a transaction that
is rolled back. Tests that need committed data (browser tests against a live
server) load it again themselves.

Under pytest-xdist (pyproject's addopts) each worker process is a session of its own:
its own test database (pytest-django suffixes the name with _gw0, _gw1...), its own
media folders (config/settings/test.py makes them per process), its own demo load and
its own cache key prefix (on Redis). Tests that share something outside their worker are
given ``xdist_group`` marks (XDIST_GROUPS below) and run one after another in one worker
(``--dist loadgroup``).
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from tests.db_snapshot import Snapshot, demo_put_back
from tests.demo_day import DEMO_DAY, on_the_demo_day
from tests.live_server import OwnLiveServer

pytest_plugins = ["tests.stripe_fixtures"]

TESTS = Path(__file__).resolve().parent / "tests"


# Tests that run one after another in one xdist worker ("--dist loadgroup"), by what they share.
XDIST_GROUPS = (
    # The browser tests in two series, a Chromium each: the role journeys (one module, its
    # live server and demo the module's) and the others, each taking turns within its own.
    ("browser-journeys", lambda item: item.path == TESTS / "browser" / "test_journeys.py"),
    ("browser", lambda item: item.path.is_relative_to(TESTS / "browser")),
    # Real Celery workers and beats: the suite's broker (CELERY_BROKER_URL: its queues are
    # purged and inspected), subprocesses on the test database, timings of their own.
    ("services", lambda item: item.get_closest_marker("integration") is not None),
    # /readyz against Redis databases 4 and 5 of the machine's Redis, named in the module.
    ("health", lambda item: item.path == TESTS / "config" / "test_health.py"),
)


@pytest.hookimpl(tryfirst=True)  # before xdist's loadgroup reads the marks
def pytest_collection_modifyitems(config, items):
    for item in items:
        for group, member in XDIST_GROUPS:
            if member(item):
                item.add_marker(pytest.mark.xdist_group(group))
                break


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.core.cache import cache

    from demo.services import demo_load

    # A Redis cache (CI's CACHE_URL) outlives the session: an earlier run's keys would say,
    # for one, that thumbnails exist which were made in that run's media folder (a 404 here).
    cache.clear()
    with django_db_blocker.unblock(), on_the_demo_day():
        demo_load()
        call_command("rebuild_index", interactive=False, verbosity=0)


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker) -> Snapshot:
    """The test database as the session's demo load left it (tests/db_snapshot.py)."""
    with django_db_blocker.unblock():
        return Snapshot()


#: Whether a test of this worker since the last put-back committed (a transactional test: its
#: teardown empties every table).
_demo_gone = False


def _demo_back(demo_snapshot: Snapshot, django_db_blocker) -> None:
    """Put the demo back if a committing test of this worker took it since the last time."""
    global _demo_gone
    if _demo_gone:
        with django_db_blocker.unblock():
            demo_snapshot.put_back()
        _demo_gone = False


@pytest.fixture
def _demo_present(request, demo_snapshot, django_db_blocker) -> None:
    """The demo is there for a test run in a transaction, whatever ran before it.

    A transactional test empties the tables when it ends (Django's flush). pytest-django
    runs those last in a plain run; under xdist the groups (browser tests, workers) may
    run first, so the next test in a transaction gets the snapshot put back first.
    """
    global _demo_gone
    from pytest_django.fixtures import validate_django_db

    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker) and any(validate_django_db(marker)[:2])
    transactional = transactional or bool(
        {"transactional_db", "live_server", "django_db_reset_sequences"} & set(request.fixturenames)
    )
    if transactional:
        _demo_gone = True
    else:
        _demo_back(demo_snapshot, django_db_blocker)


@pytest.fixture(scope="module")
def module_transaction(demo_snapshot, django_db_blocker):
    """One transaction around a module's tests, rolled back after the last: rows a module's
    fixture makes inside it (a ``scope="module"`` fixture that depends on this one) are made
    once, and each test's own transaction is a savepoint in it, rolled back to those rows.

    The demo is put back first if a committing test of this worker took it, so that no test
    of the module puts it back inside (over the module's rows).
    """
    from django.db import transaction

    _demo_back(demo_snapshot, django_db_blocker)
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def _django_db_helper(_demo_present, _django_db_helper):
    """pytest-django's, after ``_demo_present``: the snapshot is put back outside the test's
    transaction, and taken before any test could empty the tables."""
    return _django_db_helper


@pytest.fixture
def demo_day():
    """The test compares dates with the demo's: it runs on the demo's day (tests/demo_day.py)."""
    with on_the_demo_day():
        yield DEMO_DAY


@pytest.fixture
def committed_demo(demo_snapshot, transactional_db):
    """The demo data, committed, so that other threads' and processes' connections see it."""
    demo_put_back(demo_snapshot)


@pytest.fixture
def live_server(transactional_db):
    """A live server of the test's own, in place of pytest-django's session-wide one.

    Torn down before ``transactional_db`` (it depends on it): every request it was
    serving has finished and its threads are joined before the database is flushed, so
    nothing from this test reaches the next one's data (tests/live_server.py).
    """
    server = OwnLiveServer("localhost")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (zh-hans), whatever ran before it.

    A request in English (LocaleMiddleware) leaves English active in the thread after
    the test client returns; with the tests spread over xdist workers, which test runs
    before which changes from run to run.
    """
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _email_through_celery(settings):
    """Django's test setup swaps in the locmem e-mail backend; put ours back.

    Messages then take the production path (queued on commit to the Celery
    task), and the task delivers to locmem (EMAIL_DELIVERY_BACKEND in test settings).
    """
    settings.EMAIL_BACKEND = "config.email.CeleryEmailBackend"


@pytest.fixture(autouse=True)
def _shop_navigation_fresh():
    """Each test builds the cached navigation and site-offer flag from its own data (another
    test's rolled-back category, page or offer must not linger in the cache;
    shop/navigation.py, shop/basket_middleware.py)."""
    from shop.basket_middleware import site_offers_forget
    from shop.navigation import navigation_cache_clear

    navigation_cache_clear()
    site_offers_forget()
