"""Oscar's search forms with one more sort order: 最需要帮扶 (most in need of help).

The catalogue, category and search pages sort by lift per ¥1,000 to households in warning
(issue #21), best first. ``lift`` is not a field of the product document: both backends order
by the current figures in the database (shop/search/backends.py, ``LIFT_SORT``), so the order
is as fresh as the figures, with no re-indexing when they are refreshed.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from oscar.apps.search import forms as oscar_forms

from .backends import LIFT_SORT

HELP_FIRST = "help-first"


class _HelpFirstSort:
    SORT_BY_CHOICES = [
        oscar_forms.SearchForm.SORT_BY_CHOICES[0],
        (HELP_FIRST, _("Most in need of help")),
        *oscar_forms.SearchForm.SORT_BY_CHOICES[1:],
    ]
    SORT_BY_MAP = {**oscar_forms.SearchForm.SORT_BY_MAP, HELP_FIRST: f"-{LIFT_SORT}"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sort_by"].choices = self.SORT_BY_CHOICES  # type: ignore[attr-defined]


class SearchForm(_HelpFirstSort, oscar_forms.SearchForm):
    pass


class BrowseCategoryForm(_HelpFirstSort, oscar_forms.BrowseCategoryForm):
    pass


class CategoryForm(_HelpFirstSort, oscar_forms.CategoryForm):
    pass
