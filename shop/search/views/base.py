"""Oscar's search view base (catalogue, category and search pages), its filters checked.

The catalogue's filters are Oscar's facets (``OSCAR_SEARCH_FACETS``: county, producer,
category), chosen in the URL as ``selected_facets=<field>:<value>``. A value no
product has (an unknown county) finds nothing, and the page says so; a filter on a field
that is not one of them is not passed to the search backend (which would fail on it): the
page finds nothing and says which filter it did not know.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.utils.translation import gettext as _
from oscar.apps.search.views import base


def _known_facets() -> set[str]:
    fields = {facet["field"] for facet in settings.OSCAR_SEARCH_FACETS["fields"].values()}
    return fields | set(settings.OSCAR_SEARCH_FACETS["queries"])


class BaseSearchView(base.BaseSearchView):
    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        known = _known_facets()
        selected = kwargs.get("selected_facets") or []
        self.unknown_facets = [
            facet for facet in selected if facet.partition(":")[0] not in known or ":" not in facet
        ]
        kwargs["selected_facets"] = [
            facet for facet in selected if facet not in self.unknown_facets
        ]
        return kwargs

    def form_valid(self, form: Any) -> Any:
        if getattr(self, "unknown_facets", None):
            self.queryset = form.searchqueryset.none()
            context = self.get_context_data(
                **{
                    self.form_name: form,
                    "query": form.cleaned_data.get(self.search_field),
                    "object_list": self.queryset,
                }
            )
            return self.render_to_response(context)
        return super().form_valid(form)

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        if getattr(self, "unknown_facets", None):
            messages.warning(
                self.request,
                _("Unknown filter: %(filters)s. No products are shown; clear it to see them.")
                % {"filters": ", ".join(self.unknown_facets)},
            )
        elif context.get("selected_facets") and not context["paginator"].count:
            messages.info(
                self.request,
                _("No products match the chosen county, producer and category."),
            )
        return context
