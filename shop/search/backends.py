"""Search backends: Whoosh (embedded default) and PostgreSQL full-text, both read through jieba.

Haystack's Whoosh backend analyses text with an English stemmer that treats a
run of Chinese characters as one word: "老鹰茶" would never match "东川老鹰茶".
Every text field of the schema is analysed with jieba's ChineseAnalyzer here.
"""

import datetime
import operator
import re
from collections import Counter
from decimal import Decimal
from functools import reduce
from typing import Any

from django.db.models import Q
from django.db.models.functions import Now
from django.utils.dateparse import parse_datetime
from haystack import connections
from haystack.backends import (
    BaseEngine,
    BaseSearchBackend,
    BaseSearchQuery,
    SearchNode,
    log_query,
)
from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError, SkipDocument
from haystack.fields import FacetField
from haystack.inputs import BaseInput, Exact, Not
from haystack.models import SearchResult
from haystack.query import SQ
from oscar.core.loading import get_model
from whoosh.fields import ID as WHOOSH_ID
from whoosh.fields import TEXT

from common.money import ZERO


def chinese_analyzer() -> Any:
    # Lazy for start-up cost: jieba is heavy, and only the search index needs it.
    import jieba
    from jieba.analyse import ChineseAnalyzer

    jieba.setLogLevel(60)  # jieba announces its dictionary loading on every start
    return ChineseAnalyzer()


#: The sort by lift per ¥1,000 (the catalogue's 最需要帮扶, shop/search/forms.py): not a
#: document field but the current figure in the database (``impact.LiftFigure``): to households
#: in warning, then households it would take over the line, best first; products without a
#: figure last. PostgreSQL orders by it in the search query itself; Whoosh's matches (the
#: embedded default's few) are ordered by one more query.
LIFT_SORT = "lift"
#: The values a field facet gives at most, the most frequent first (Haystack's Solr and
#: Elasticsearch backends ask for 100 too); a facet's ``limit`` option overrides it.
FACET_LIMIT = 100


def _lift_sort(sort_by: Any) -> tuple[bool | None, list[str]]:
    """(None, or whether by lift best first, the other sort fields) of a backend's ``sort_by``."""
    by_lift = None
    others = []
    for sort in sort_by or ():
        if sort.lstrip("-") == LIFT_SORT:
            by_lift = sort.startswith("-")
        else:
            others.append(sort)
    return by_lift, others


def _lift_keys(product_ids: list[int]) -> dict[int, tuple[Decimal, int]]:
    """(to households in warning, crossing) of each product with a lift figure: one query."""
    from impact.models import LiftFigure

    rows = LiftFigure.objects.filter(
        scope=LiftFigure.Scope.PRODUCT, scope_id__in=product_ids
    ).values_list("scope_id", "to_warning", "crossing")
    return {scope_id: (to_warning, crossing) for scope_id, to_warning, crossing in rows}


class ChineseWhooshSearchBackend(WhooshSearchBackend):
    def build_schema(self, fields: dict) -> tuple[str, Any]:
        content_field_name, schema = super().build_schema(fields)
        analyzer = chinese_analyzer()
        # A faceted field (county, producer: the catalogue's filters) is counted and narrowed by
        # its whole value, never cut into words: "东川区" must not count as 东川 and 东川区.
        facets: set[str] = set()
        for field in fields.values():
            if isinstance(field, FacetField) and field.field_type == "string":
                facets.add(field.index_fieldname)
                if field.facet_for:
                    facets.add(fields[field.facet_for].index_fieldname)
        for name in list(schema.names()):
            field = schema[name]
            if name in facets:
                schema.remove(name)
                schema.add(name, WHOOSH_ID(stored=True))
            elif isinstance(field, TEXT):
                schema.remove(name)
                schema.add(
                    name,
                    TEXT(
                        stored=field.stored,
                        analyzer=analyzer,
                        field_boost=field.format.field_boost,
                        spelling=False,
                    ),
                )
        return content_field_name, schema

    def search(self, query_string: Any, **kwargs: Any) -> dict[str, Any]:
        found = self._search(query_string, **kwargs)
        # Haystack's Whoosh backend lists every value of a field facet: at most its ``limit``
        # (FACET_LIMIT by default), as the PostgreSQL backend and Solr's give.
        fields = (found.get("facets") or {}).get("fields") or {}
        for name, options in (kwargs.get("facets") or {}).items():
            if name in fields:
                fields[name] = fields[name][: (options or {}).get("limit", FACET_LIMIT)]
        return found

    def _search(self, query_string: Any, **kwargs: Any) -> dict[str, Any]:
        # Haystack narrows by each query in turn and filters the results by the last set it
        # got; when two filters (a county and another county's producer) share no product,
        # Whoosh takes that empty filter for no filter and returns everything. One query
        # ANDing them all narrows as meant.
        narrow = kwargs.get("narrow_queries")
        if narrow and len(narrow) > 1:
            kwargs["narrow_queries"] = {" AND ".join(f"({query})" for query in sorted(narrow))}
        by_lift, others = _lift_sort(kwargs.get("sort_by"))
        if by_lift is None:
            return super().search(query_string, **kwargs)
        # Every match (the embedded default's index is small), ordered by its current lift.
        start, end = kwargs.get("start_offset") or 0, kwargs.get("end_offset")
        kwargs.update(sort_by=others or None, start_offset=0, end_offset=None)
        found = super().search(query_string, **kwargs)
        results = found.get("results") or []
        keys = _lift_keys([int(result.pk) for result in results])
        sign = -1 if by_lift else 1

        def key(result: Any) -> tuple[int, Decimal, int, int]:
            pk = int(result.pk)
            if pk not in keys:
                return (1, ZERO, 0, pk)  # no figure: last
            to_warning, crossing = keys[pk]
            return (0, sign * to_warning, sign * crossing, pk)

        results = sorted(results, key=key)
        found["results"] = results[start:end] if end is not None else results[start:]
        return found


class ChineseWhooshEngine(WhooshEngine):
    backend = ChineseWhooshSearchBackend


# ------------------------------------------------------------------ PostgreSQL
# The same haystack interface over ProductSearchDocument rows, so Oscar's search
# form, catalogue and category pages, facets and sort orders work unchanged; the
# index lives in the shared database, so every web host sees a product the moment
# its document is written.


class PostgresSearchBackend(BaseSearchBackend):
    """Haystack's backend interface over PostgreSQL full-text search (products only).

    A content query is cut into terms by the same jieba analyser as the documents;
    every word of the query must match (as in Whoosh, where all terms are ANDed),
    ``-word`` excludes, and a quoted phrase needs all its terms. Results are ranked
    by ``SearchRank`` (title A, producer and category B, description C), ties by
    the newest product first. ``more_like_this`` and spelling suggestions are not
    supported (empty), highlighting is ignored.
    """

    def update(self, index: Any, iterable: Any, commit: bool = True) -> None:
        """Write the documents: one upsert (two hosts may index the same product at once)
        and the weighted vectors, in one transaction, so no reader sees a half-written one."""
        from django.contrib.postgres.search import SearchVector
        from django.db import transaction

        from shop.search.documents import document_parts, segmented
        from shop.search.models import ProductSearchDocument

        # A number is kept as a JSON number, so that it sorts and filters as one: Oscar's
        # prepare_price gives a Decimal, which JSON would keep as text ("10.50" < "2.50").
        numbers = {
            field.index_fieldname: float if field.field_type == "float" else int
            for field in index.fields.values()
            if field.field_type in ("float", "integer")
        }
        documents = []
        for obj in iterable:
            try:
                prepared = index.full_prepare(obj)
            except SkipDocument:
                continue
            parts = document_parts(obj)
            documents.append(
                ProductSearchDocument(
                    product_id=obj.pk,
                    title=segmented(parts["title"]),
                    producer=segmented(parts["producer"]),
                    category=segmented(parts["category"]),
                    description=segmented(parts["description"]),
                    fields={
                        key: numbers[key](value)
                        if key in numbers and value is not None and not isinstance(value, list)
                        else value
                        for key, value in prepared.items()
                        if key not in (ID, DJANGO_CT, DJANGO_ID, index.get_content_field())
                    },
                )
            )
        if not documents:
            return
        with transaction.atomic():
            ProductSearchDocument.objects.bulk_create(
                documents,
                update_conflicts=True,
                unique_fields=["product"],
                update_fields=["title", "producer", "category", "description", "fields"],
            )
            ProductSearchDocument.objects.filter(
                pk__in=[document.product_id for document in documents]
            ).update(
                search_vector=SearchVector("title", config="simple", weight="A")
                + SearchVector("producer", "category", config="simple", weight="B")
                + SearchVector("description", config="simple", weight="C"),
                indexed_at=Now(),
            )

    def remove(self, obj_or_string: Any, commit: bool = True) -> None:
        from shop.search.models import ProductSearchDocument

        if isinstance(obj_or_string, str):
            product_id = obj_or_string.rsplit(".", 1)[-1]
        else:
            product_id = obj_or_string.pk
        ProductSearchDocument.objects.filter(product_id=product_id).delete()

    def clear(self, models: Any = None, commit: bool = True) -> None:
        from shop.search.models import ProductSearchDocument

        if models is None or self._product_model() in models:
            ProductSearchDocument.objects.all().delete()

    def _product_model(self) -> Any:
        return get_model("catalogue", "Product")

    @log_query
    def search(self, query_string: Any, **kwargs: Any) -> dict[str, Any]:
        from django.contrib.postgres.search import SearchRank
        from django.db.models import F
        from django.db.models.expressions import OrderBy
        from django.db.models.fields.json import KeyTransform

        from shop.search.models import ProductSearchDocument

        Product = self._product_model()
        models = kwargs.get("models")
        if models and Product not in models:
            return {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None}
        index = connections[self.connection_alias].get_unified_index().get_index(Product)
        translator = _QueryTranslator(index)

        documents = ProductSearchDocument.objects.all()
        condition, tsquery = translator.node(query_string)
        if condition is not None:
            documents = documents.filter(condition)
        for narrow in kwargs.get("narrow_queries") or ():
            documents = documents.filter(translator.narrow(narrow))
        if tsquery is not None:
            # normalization 1: the rank divided by 1 + log(document length), so that of two
            # products matching alike the shorter text comes first (as Whoosh's BM25F does).
            documents = documents.annotate(
                rank=SearchRank(F("search_vector"), tsquery, normalization=1)
            )

        ordering: list[Any] = []
        for sort in kwargs.get("sort_by") or ():
            name = sort.lstrip("-")
            if name == LIFT_SORT:
                ordering.extend(_lift_ordering(descending=sort.startswith("-")))
                continue
            if name == "score":
                if tsquery is not None:
                    ordering.append(OrderBy(F("rank"), descending=not sort.startswith("-")))
                continue
            if name in ("django_id", "id", "pk"):
                ordering.append(OrderBy(F("product_id"), descending=sort.startswith("-")))
                continue
            ordering.append(
                OrderBy(
                    KeyTransform(index.fields[name].index_fieldname, "fields"),
                    descending=sort.startswith("-"),
                    nulls_last=True,
                )
            )
        # Without a full-text query (the catalogue and category pages) there is no rank:
        # PostgreSQL refuses to order by a constant, and the newest product comes first.
        if tsquery is not None:
            ordering.append(OrderBy(F("rank"), descending=True))
        ordering.append(OrderBy(F("product_id"), descending=True))
        documents = documents.order_by(*ordering)

        # Hits known from the query's count run (PostgresSearchQuery) are not counted again.
        hits = kwargs["hits"] if kwargs.get("hits") is not None else documents.count()
        results = []
        if not kwargs.get("count_only"):  # the count run orders and fetches nothing
            start = kwargs.get("start_offset") or 0
            end = kwargs.get("end_offset")
            page = documents[start:end] if end is not None else documents[start:]
            result_class = kwargs.get("result_class") or SearchResult
            app_label, model_name = Product._meta.app_label, Product._meta.model_name
            results = [
                result_class(
                    app_label,
                    model_name,
                    str(document.product_id),  # as Whoosh gives it
                    float(getattr(document, "rank", 0.0) or 0.0),
                    **translator.stored(document.fields),
                )
                for document in page
            ]
        facets: dict[str, Any] = {}
        if kwargs.get("facets") or kwargs.get("query_facets"):
            facets = translator.facets(
                documents.order_by(), kwargs.get("facets") or {}, kwargs.get("query_facets") or []
            )
        return {
            "results": results,
            "hits": hits,
            "facets": facets,
            "spelling_suggestion": None,
        }

    def more_like_this(self, model_instance: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {"results": [], "hits": 0}

    def prep_value(self, db_field: Any, value: Any) -> Any:
        return value


def _lift_ordering(*, descending: bool) -> list[Any]:
    """The documents ordered by their product's current lift figure (a subquery each)."""
    from django.db.models import F, OuterRef, Subquery
    from django.db.models.expressions import OrderBy

    from impact.models import LiftFigure

    figure = LiftFigure.objects.filter(scope="product", scope_id=OuterRef("product_id"))
    return [
        *(
            OrderBy(Subquery(figure.values(field)[:1]), descending=descending, nulls_last=True)
            for field in ("to_warning", "crossing")
        ),
        OrderBy(F("product_id")),  # ties as impact.targeting.products_by_lift orders them
    ]


_RANGE = re.compile(r"^\[\s*(?P<low>\S+)\s+TO\s+(?P<high>\S+)\s*\]$")
_NARROW = re.compile(r"^(?P<field>\w+):\((?P<values>.*)\)$", re.S)
# A narrow's values: "quoted" (backslash escapes inside), [low TO high], or a bare word.
_NARROW_VALUE = re.compile(r'"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\S+')


def _contains(key: str, value: Any) -> Q:
    """A multi-valued field holds ``value`` (category ids arrive as text from a URL)."""
    condition = Q(**{f"{key}__contains": [value]})
    if isinstance(value, str) and value.isdigit():
        condition |= Q(**{f"{key}__contains": [int(value)]})
    return condition


class _QueryTranslator:
    """Haystack's query tree (``SearchNode``) and narrow strings as Django ORM conditions."""

    def __init__(self, index: Any) -> None:
        self.index = index
        self.content_field = index.get_content_field()

    # ---------------------------------------------------------------- values
    def field(self, name: str) -> Any:
        for field_name, field in self.index.fields.items():
            if name in (field_name, field.index_fieldname):
                return field
        raise SearchBackendError(f"unknown search field {name!r}")

    def typed(self, field: Any, value: Any) -> Any:
        if isinstance(value, BaseInput):
            value = value.query_string
        kind = field.field_type
        if isinstance(value, str):
            value = value.strip('"')
            if kind == "boolean":
                return value.lower() in ("true", "1")
            if kind == "integer":
                return int(value)
            if kind == "float":
                return float(value)
        if isinstance(value, datetime.datetime | datetime.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return float(value)
        return value

    def stored(self, fields: dict[str, Any]) -> dict[str, Any]:
        values = dict(fields)
        for field in self.index.fields.values():
            value = values.get(field.index_fieldname)
            if field.field_type == "datetime" and isinstance(value, str):
                values[field.index_fieldname] = parse_datetime(value)
        return values

    # ---------------------------------------------------------------- tree
    def node(self, node: Any) -> tuple[Q | None, Any]:
        """The condition and the full-text query (for ranking) of a query tree."""
        conditions: list[Q] = []
        tsqueries: list[Any] = []
        for child in node.children:
            if isinstance(child, SearchNode):
                condition, tsquery = self.node(child)
            else:
                condition, tsquery = self.expression(*child)
            if condition is not None:
                conditions.append(condition)
            if tsquery is not None:
                tsqueries.append(tsquery)
        if not conditions:
            return None, None
        combined = conditions[0]
        for condition in conditions[1:]:
            combined = combined | condition if node.connector == SQ.OR else combined & condition
        ranked = None
        for tsquery in tsqueries:
            ranked = tsquery if ranked is None else ranked | tsquery
        if node.negated:
            return ~combined, None
        return combined, ranked

    def expression(self, expression: str, value: Any) -> tuple[Q | None, Any]:
        name, lookup = SearchNode().split_expression(expression)
        if name in ("content", self.content_field) and lookup in ("content", "contains", "exact"):
            return self.fulltext(value)
        if name in (ID, DJANGO_ID, "pk"):
            ids = value if lookup == "in" else [value]
            return Q(product_id__in=[str(v).rsplit(".", 1)[-1] for v in ids]), None
        if name == DJANGO_CT:
            cts = value if lookup == "in" else [value]
            return (Q() if "catalogue.product" in cts else Q(pk__in=[])), None
        field = self.field(name)
        key = f"fields__{field.index_fieldname}"
        if lookup == "in":
            values = [self.typed(field, v) for v in value]
            if field.is_multivalued:
                return reduce(operator.or_, (_contains(key, v) for v in values), Q(pk__in=[])), None
            return Q(**{f"{key}__in": values}), None
        if lookup in ("content", "exact", "contains"):
            typed = self.typed(field, value)
            if field.is_multivalued:
                return _contains(key, typed), None
            if lookup == "contains" and isinstance(typed, str):
                return Q(**{f"{key}__icontains": typed}), None
            return Q(**{key: typed}), None
        if lookup in ("gt", "gte", "lt", "lte"):
            return Q(**{f"{key}__{lookup}": self.typed(field, value)}), None
        if lookup == "range":
            low, high = value
            return Q(
                **{f"{key}__gte": self.typed(field, low), f"{key}__lte": self.typed(field, high)}
            ), None
        if lookup == "startswith":
            return Q(**{f"{key}__istartswith": self.typed(field, value)}), None
        raise SearchBackendError(f"the postgres search backend has no {lookup!r} filter")

    def fulltext(self, value: Any) -> tuple[Q | None, Any]:
        """A user's query as a tsquery: each word's jieba terms ANDed, ``-word`` excluded."""
        from django.contrib.postgres.search import SearchQuery

        from shop.search.documents import terms

        negate_all = isinstance(value, Not)
        text = value.query_string if isinstance(value, BaseInput) else str(value)
        if isinstance(value, Exact):
            text = f'"{text}"'
        required: list[str] = []
        excluded: list[str] = []
        for phrase, word in re.findall(r'"([^"]*)"|(\S+)', text):
            if word.startswith("-") and len(word) > 1:
                excluded += terms(word[1:])
            else:
                required += terms(phrase or word)
        if not required and not excluded:
            # Only stop words: nothing to look for, so nothing is found (as in Whoosh).
            return Q(pk__in=[]), None

        def tsquery(term: str) -> Any:
            return SearchQuery(term, search_type="plain", config="simple")

        query = None
        for term in dict.fromkeys(required):
            query = tsquery(term) if query is None else query & tsquery(term)
        for term in dict.fromkeys(excluded):
            query = ~tsquery(term) if query is None else query & ~tsquery(term)
        condition = Q(search_vector=query)
        if negate_all:
            return ~condition, None
        return condition, query

    # ---------------------------------------------------------------- narrow and facets
    def narrow(self, narrow: str) -> Q:
        """Oscar's facet narrowing: ``field:("a" OR "b")`` or ``price:([0 TO 20] OR [20 TO *])``."""
        match = _NARROW.match(narrow.strip())
        if not match:
            raise SearchBackendError(f"cannot narrow by {narrow!r}")
        field = self.field(match["field"])
        key = f"fields__{field.index_fieldname}"
        condition = Q(pk__in=[])
        for value in _NARROW_VALUE.findall(match["values"]):
            if value == "OR":
                continue
            if value.startswith('"'):
                # A quoted value is one value, whatever it holds (Oscar escapes its quotes).
                value = '"' + re.sub(r"\\(.)", r"\1", value[1:-1]) + '"'
            ranged = _RANGE.match(value)
            if ranged:
                part = Q()
                if ranged["low"] != "*":
                    part &= Q(**{f"{key}__gte": self.typed(field, ranged["low"])})
                if ranged["high"] != "*":
                    part &= Q(**{f"{key}__lte": self.typed(field, ranged["high"])})
                condition |= part
            elif field.is_multivalued:
                condition |= _contains(key, self.typed(field, value))
            else:
                condition |= Q(**{key: self.typed(field, value)})
        return condition

    def facets(self, documents: Any, fields: dict[str, Any], queries: list[Any]) -> dict[str, Any]:
        """Field facets counted over the matching documents; query facets counted by range.

        The field facets are counted by PostgreSQL in one query, which returns a row per value
        and key: the documents' stored fields are not fetched, nor decoded here one by one (at
        10,000 products that took seconds a page, issue #21's benchmark). Each field gives its
        ``FACET_LIMIT`` most frequent values (or its ``limit`` option), as Haystack's Solr and
        Elasticsearch backends do: no filter lists a thousand producers.
        """
        keys = {name: self.field(name).index_fieldname for name in fields}
        counts = _facet_counts(documents, sorted(set(keys.values()))) if keys else {}
        counted: dict[str, list[tuple[Any, int]]] = {}
        for name, key in keys.items():
            limit = (fields[name] or {}).get("limit", FACET_LIMIT)
            counted[name] = sorted(
                counts.get(key, Counter()).items(), key=lambda pair: (-pair[1], str(pair[0]))
            )[:limit]
        counted_queries: dict[str, int] = {}
        for name, query in queries:
            counted_queries[f"{name}_exact:{query}"] = documents.filter(
                self.narrow(f"{name}:({query})")
            ).count()
        return {"fields": counted, "dates": {}, "queries": counted_queries}


def _facet_counts(documents: Any, keys: list[str]) -> dict[str, Counter[Any]]:
    """How many of ``documents`` hold each value of each stored field ``keys`` (a list
    field: each of its items), values that are null or missing left out; one query.

    PostgreSQL groups the documents by each field's whole value (a grouping set a field);
    the rows are the distinct values, and a list's count goes to each of its items here.
    """
    import json

    from django.core.exceptions import EmptyResultSet
    from django.db import connection

    counts: dict[str, Counter[Any]] = {key: Counter() for key in keys}
    try:
        sql, params = documents.order_by().values_list("fields").query.sql_with_params()
    except EmptyResultSet:  # a condition that matches nothing, known without asking
        return counts
    columns = ", ".join(f"matching.fields -> %s AS k{i}" for i in range(len(keys)))
    grouped = ", ".join(f"k{i}::text" for i in range(len(keys)))
    sets = ", ".join(f"(k{i})" for i in range(len(keys)))
    order = ", ".join(f"k{i}" for i in range(len(keys)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {grouped}, count(*), GROUPING({order}) "  # noqa: S608 (the ORM's own SQL)
            f"FROM (SELECT {columns} FROM ({sql}) AS matching (fields)) AS fields "
            f"GROUP BY GROUPING SETS ({sets})",
            [*keys, *params],
        )
        for row in cursor.fetchall():
            *values, count, grouping = row
            # GROUPING(k0, …, kn) has a 0 bit (from the left) for the field grouped by
            position = next(
                i for i in range(len(keys)) if not grouping & (1 << (len(keys) - 1 - i))
            )
            if values[position] is None:
                continue  # the field is missing
            value = json.loads(values[position])
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    counts[keys[position]][item] += count
    return counts


class PostgresSearchQuery(BaseSearchQuery):
    """Hands the backend the query tree itself, not a query string to parse again.

    A catalogue page runs its query twice: Haystack's paginator counts the hits, then
    fetches the page. The count run counts the hits and the facets only: it neither orders
    the documents (the lift sort's subqueries on every one of 10,000, issue #21's benchmark)
    nor fetches one, as Haystack's own ``get_count`` does with a first page of one. The hits
    and facets it counted are kept for the page's run, which does not count them again;
    they do not depend on which page is fetched. A query with other conditions, filters or
    facets (a clone) counts its own.
    """

    # (the query's key, its hits, its facets) as the last run counted them
    _kept: tuple[str, int, dict[str, Any]] | None = None

    def get_count(self) -> int:
        counted: int | None = self._hit_count  # type: ignore[has-type]  # set in Haystack's __init__
        if counted is None and not self._more_like_this and not self._raw_query:
            self.run(count_only=True)
            self._results = None  # counted, not fetched: get_results runs the query
        return super().get_count()

    def build_query(self) -> str:
        return str(self.query_filter) if self.query_filter else "*"

    def build_query_fragment(self, field: str, filter_type: str, value: Any) -> str:
        return f"{field}__{filter_type}={value!r}"

    def run(self, spelling_query: Any = None, **kwargs: Any) -> None:
        search_kwargs = self.build_params(spelling_query=spelling_query)
        search_kwargs.update(kwargs)
        key = repr(
            (
                self.build_query(),
                sorted(search_kwargs.get("narrow_queries") or ()),
                search_kwargs.get("facets"),
                search_kwargs.get("query_facets"),
            )
        )
        kept = self._kept if self._kept and self._kept[0] == key else None
        if kept is not None:
            search_kwargs.pop("facets", None)
            search_kwargs.pop("query_facets", None)
            search_kwargs["hits"] = kept[1]
        results = self.backend.search(self.query_filter, **search_kwargs)
        self._results = results.get("results", [])
        self._hit_count = results.get("hits", 0)
        self._facet_counts = kept[2] if kept is not None else self.post_process_facets(results)
        self._kept = (key, self._hit_count, self._facet_counts)
        self._spelling_suggestion = results.get("spelling_suggestion", None)


class PostgresEngine(BaseEngine):
    backend = PostgresSearchBackend
    query = PostgresSearchQuery
