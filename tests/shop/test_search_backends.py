"""PostgreSQL full-text search and Whoosh: the same products for the same queries.

The PostgreSQL tests need a PostgreSQL database (``DATABASE_URL=postgres://…``, as
in CI); on SQLite they are skipped, saying so.
"""

import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from celery.signals import task_prerun
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from haystack import connections as search_connections
from oscar.core.loading import get_class, get_model

from tests.shop.products import products_add

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")
SearchForm = get_class("search.forms", "SearchForm")
base_sqs = get_class("search.facets", "base_sqs")

ON_POSTGRES = connection.vendor == "postgresql"
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="the PostgreSQL search backend needs DATABASE_URL=postgres://… (CI runs it)",
)
BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def both_backends(db):
    """A Whoosh index in a new folder and the PostgreSQL documents, built from the same products."""
    whoosh_path = tempfile.mkdtemp(prefix="yixiang-test-whoosh-compare-")
    search_connections.connections_info["cmp_whoosh"] = {
        "ENGINE": "shop.search.backends.ChineseWhooshEngine",
        "PATH": whoosh_path,
        "INCLUDE_SPELLING": False,
    }
    search_connections.connections_info["cmp_postgres"] = {
        "ENGINE": "shop.search.backends.PostgresEngine",
        "INCLUDE_SPELLING": False,
    }
    for alias in ("cmp_whoosh", "cmp_postgres"):
        backend = search_connections[alias].get_backend()
        index = search_connections[alias].get_unified_index().get_index(Product)
        backend.clear()
        backend.update(index, index.index_queryset(using=alias))
    yield
    for alias in ("cmp_whoosh", "cmp_postgres"):
        search_connections.thread_local.connections.pop(alias, None)
        del search_connections.connections_info[alias]


def storefront_search(alias: str, query: str) -> list[str]:
    """What the storefront's search page lists for ``query`` (Oscar's form and base query)."""
    form = SearchForm(data={"q": query}, searchqueryset=base_sqs().using(alias), load_all=True)
    assert form.is_valid()
    return [result.object.upc for result in form.search()]


@needs_postgres
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # a Chinese product name
        ("老鹰茶", {"YX-DC-004"}),
        ("黑山羊肉", {"YX-XD-001"}),
        # a producer's name
        (
            "岚峰养殖",
            {"YX-XD-001", "YX-XD-002", "YX-XD-003"},
        ),
        # a county
        (
            "东川区",
            {"YX-DC-001", "YX-DC-002", "YX-DC-003", "YX-DC-004", "YX-DC-005"},
        ),
        # part of a word that jieba splits ("玫瑰花酱", "玫瑰鲜花饼", "重瓣玫瑰花茶")
        ("玫瑰", {"YX-MX-001", "YX-MX-002", "YX-MX-003"}),
        # no hits
        ("榴莲", set()),
        # Chinese and Latin mixed
        ("玫瑰 500g", {"YX-MX-001"}),
    ],
)
def test_both_backends_find_the_same_products(both_backends, query, expected):
    whoosh = storefront_search("cmp_whoosh", query)
    postgres = storefront_search("cmp_postgres", query)
    assert set(whoosh) == expected
    assert set(postgres) == expected
    assert whoosh[:1] == postgres[:1]


@needs_postgres
def test_ranking_puts_a_title_match_above_a_description_match(db):
    """Title (weight A) above producer and county (B) above description (C); ties by newest."""
    found = storefront_search("default", "花生")
    assert found[0] == "YX-DC-003"  # 东川七彩花生 1kg: the only title with 花生


def test_a_stock_change_reindexes_through_the_celery_task_after_commit(
    db, django_capture_on_commit_callbacks
):
    record = StockRecord.objects.get(product__upc="YX-DC-004")
    ran: list[tuple[str, dict]] = []

    def seen(sender=None, task=None, kwargs=None, **extra):
        ran.append((task.name, kwargs))

    task_prerun.connect(seen, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            record.num_in_stock = 77
            record.save()
        assert ran == []  # nothing in the request's transaction itself
        for callback in callbacks:
            callback()
    finally:
        task_prerun.disconnect(seen)
    assert ran == [("shop.search.tasks.product_reindex", {"product_id": record.product_id})]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_saved_product_is_found_at_once_from_another_host():
    """Saved here; searched by a separate process with its own database connection."""
    product_class, _ = ProductClass.objects.get_or_create(name="测试商品")
    product = Product.objects.create(
        title="会泽荞麦酥 300g",
        upc="TEST-PGSEARCH-1",
        product_class=product_class,
        description="<p>产自会泽县。</p>",
    )
    empty_folder = tempfile.mkdtemp(prefix="yixiang-test-no-whoosh-")
    script = (
        "import json, os\n"
        "from django.conf import settings\n"
        "from haystack.query import SearchQuerySet\n"
        "path = settings.HAYSTACK_CONNECTIONS['default'].get('PATH')\n"
        "print(json.dumps({\n"
        "    'found': [r.pk for r in SearchQuerySet().auto_query('荞麦酥')],\n"
        "    'backend': settings.SEARCH_BACKEND,\n"
        "    'files': os.listdir(path) if path and os.path.isdir(path) else [],\n"
        "}))\n"
    )
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "SEARCH_BACKEND": "postgres",
        "WHOOSH_PATH": empty_folder,
    }
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    other_host = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer = json.loads(other_host.stdout.strip().splitlines()[-1])
    assert answer["backend"] == "postgres"
    assert answer["found"] == [str(product.pk)]
    assert answer["files"] == []
    assert os.listdir(empty_folder) == []
    assert os.listdir(settings.HAYSTACK_CONNECTIONS["default"]["PATH"]) == []


@needs_postgres
def test_search_page_query_count_does_not_grow_with_results(db, client):
    def add(count: int, start: int) -> None:
        index = search_connections["default"].get_unified_index().get_index(Product)
        for product in products_add(
            count, title="东川荞麦酥 {}号", code="TEST-QMS-{}", start=start, price=Decimal("12.00")
        ):
            index.update_object(product)

    add(2, 0)
    url = reverse("search:search")
    client.get(url, {"q": "荞麦酥"})
    with CaptureQueriesContext(connection) as two:
        first = client.get(url, {"q": "荞麦酥"})
    assert len(first.context["page_obj"].object_list) == 2
    add(20, 2)
    client.get(url, {"q": "荞麦酥"})
    with CaptureQueriesContext(connection) as full_page:
        second = client.get(url, {"q": "荞麦酥"})
    assert len(second.context["page_obj"].object_list) == 22
    assert len(full_page) == len(two)


@needs_postgres
def test_the_second_page_holds_the_rest_in_order_and_the_count_of_all(db, client):
    """The count run counts without ordering or fetching (PostgresSearchQuery.get_count); the
    page's run fetches its slice in the sort asked for, and the count and filters are all's."""
    index = search_connections["default"].get_unified_index().get_index(Product)
    prices = {f"TEST-PAGE-{n}": Decimal(f"{(n * 7) % 30 + 1}.50") for n in range(30)}
    for upc, price in prices.items():
        (product,) = products_add(1, title=f"东川荞麦酥 {upc}", code=upc, price=price)
        index.update_object(product)
    expected = sorted(prices, key=lambda upc: prices[upc])  # 30 distinct prices
    url = reverse("search:search")
    pages = [client.get(url, {"q": "荞麦酥", "sort_by": "price-asc", "page": n}) for n in (1, 2)]
    listed = [
        [result.object.upc for result in page.context["page_obj"].object_list] for page in pages
    ]
    assert listed == [expected[:24], expected[24:]]
    for page in pages:
        assert page.context["paginator"].count == 30
        assert page.context["facet_data"]  # the filters are counted on either page


def test_search_rebuild_queued_as_a_task_restores_the_index(db):
    """``search_rebuild --queue`` sends the rebuild to the long queue (eager here: at once)."""
    search_connections["default"].get_backend().clear()
    assert storefront_search("default", "老鹰茶") == []
    ran: list[str] = []

    def seen(sender=None, task=None, **extra):
        ran.append(task.name)

    task_prerun.connect(seen, weak=False)
    try:
        out = StringIO()
        call_command("search_rebuild", "--queue", stdout=out)
    finally:
        task_prerun.disconnect(seen)
    assert ran == ["shop.search.tasks.search_rebuild"]
    assert f"({settings.SEARCH_BACKEND})" in out.getvalue()
    assert storefront_search("default", "老鹰茶") == ["YX-DC-004"]


@needs_postgres
def test_category_page_facets_narrowing_and_sorting_on_postgres(db, client):
    from demo.data import PRODUCERS

    Category = get_model("catalogue", "Category")
    BrowseCategoryForm = get_class("search.forms", "BrowseCategoryForm")
    rows = [row for producer in PRODUCERS for row in producer["products"]]
    grain = Category.objects.get(name="粮油米面")
    in_grain = {row[0] for row in rows if row[2] == "粮油米面"}

    # The category page (Oscar's CategoryForm filters category__in).
    page = client.get(grain.get_absolute_url())
    assert {result.object.upc for result in page.context["page_obj"].object_list} == in_grain

    # A field facet counts the matching documents per category.
    counts = dict(base_sqs().facet("category").facet_counts()["fields"]["category"])
    assert counts[grain.pk] == len(in_grain)

    # Narrowing by a selected facet, as Oscar's form does from ?selected_facets=category:<id>.
    form = BrowseCategoryForm(
        data={"q": ""}, selected_facets=[f"category:{grain.pk}"], searchqueryset=base_sqs()
    )
    assert {result.object.upc for result in form.search().load_all()} == in_grain

    # A shopper's sort order comes before the rank.
    dongchuan = sorted((Decimal(row[3]), row[0]) for row in rows if row[0].startswith("YX-DC-"))
    response = client.get(reverse("search:search"), {"q": "东川区", "sort_by": "price-asc"})
    listed = [result.object.upc for result in response.context["page_obj"].object_list]
    assert listed == [upc for _price, upc in dongchuan]


@needs_postgres
def test_the_migration_turns_prices_kept_as_text_into_numbers(db):
    """Documents written before prices were JSON numbers (search 0002_prices_as_numbers)."""
    import importlib

    from shop.search.models import ProductSearchDocument

    migration = importlib.import_module("shop.search.migrations.0002_prices_as_numbers")
    (product,) = products_add(1, code="TEST-TEXT-PRICE-{}", price=Decimal("10.50"))
    search_connections["default"].get_unified_index().get_index(Product).update_object(product)
    document = ProductSearchDocument.objects.get(product=product)
    document.fields = {**document.fields, "price": "10.50", "price_exact": "10.50"}
    document.save(update_fields=["fields"])
    with connection.schema_editor() as editor:
        migration.prices_as_numbers(None, editor)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT jsonb_typeof(fields -> 'price'), (fields ->> 'price')::numeric,"
            " jsonb_typeof(fields -> 'price_exact') FROM search_productsearchdocument"
            " WHERE product_id = %s",
            [product.pk],
        )
        assert cursor.fetchone() == ("number", Decimal("10.50"), "number")
