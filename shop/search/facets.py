from haystack.query import SearchQuerySet
from oscar.apps.search import facets as oscar_facets
from oscar.apps.search.facets import *  # noqa: F403  (Oscar's FacetMunger and the rest)


def base_sqs() -> SearchQuerySet:
    """Oscar's base query, loading each page's products in bulk.

    Without ``load_all`` every search result fetches its product with its own
    queries, so a catalogue page's query count grows with its length.
    """
    return oscar_facets.base_sqs().load_all()
