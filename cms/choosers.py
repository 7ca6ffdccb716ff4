"""The back office's product chooser: each candidate with its lift per ¥1,000 (issue #21).

Used wherever editors pick shop products for pages (a campaign's featured products,
the home page's). Beside each product: what ¥1,000 of its sales would pay households
now in warning and how many it would take over the line (预计, from ``impact.targeting``),
and the households in warning its links reach; groups under 5 folded. The list can be
ordered by that lift. One query for the figures of a page of results, whatever its size.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet


class LiftOrderFilterForm(BaseFilterForm):
    order = forms.ChoiceField(
        label=_("Order by"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("lift", _("Best lift per ¥1,000 first (预计)")),
        ],
        # Wagtail's chooser modal searches again when a filter marked so changes. Its field
        # is as wide as its longest choice: on a phone, no wider than the modal.
        widget=forms.Select(
            attrs={
                "data-chooser-modal-search-filter": True,
                "style": "max-width: calc(100vw - 7rem)",
            }
        ),
    )

    def filter(self, objects: QuerySet[Any]) -> QuerySet[Any]:
        objects = super().filter(objects)
        if self.cleaned_data.get("order") == "lift":
            from impact.models import LiftFigure  # not at import: the page models load this

            figure = LiftFigure.objects.filter(scope="product", scope_id=OuterRef("pk"))
            objects = objects.annotate(
                lift_to_warning=Subquery(figure.values("to_warning")[:1]),
                lift_crossing=Subquery(figure.values("crossing")[:1]),
            ).order_by(
                F("lift_to_warning").desc(nulls_last=True),
                F("lift_crossing").desc(nulls_last=True),
                "pk",
            )
        return objects


class LiftColumnsMixin:
    """Adds the lift and the households in warning reached to the chooser's table."""

    filter_form_class = LiftOrderFilterForm
    url_filter_parameters: list[str] = []

    @property
    def columns(self) -> list[Column]:
        from cms.campaigns.planning import lift_words
        from impact.targeting import lifts

        results: Any = getattr(self, "results", None)
        ids = [product.pk for product in results.object_list] if results is not None else []
        words = {pk: lift_words(figure) for pk, figure in lifts(scope="product", ids=ids).items()}
        none = lift_words(None)
        return [
            *super().columns,  # type: ignore[misc]
            Column(
                "lift",
                label=_("Lift per ¥1,000 (预计)"),
                accessor=lambda product: words.get(product.pk, none)["text"],
            ),
            Column(
                "in_warning",
                label=_("Households in warning its links reach"),
                accessor=lambda product: words.get(product.pk, none).get("in_warning", "—"),
            ),
        ]


class ProductChooseView(LiftColumnsMixin, ChooseView):
    pass


class ProductChooseResultsView(LiftColumnsMixin, ChooseResultsView):
    pass


class ProductChooserViewSet(ChooserViewSet):
    """Lets editors pick shop products for pages (featured products, campaigns)."""

    model = "catalogue.Product"
    icon = "tag"
    choose_one_text = _("Choose a product")
    choose_another_text = _("Choose another product")
    edit_item_text = _("Edit this product")
    per_page = 20
    choose_view_class = ProductChooseView
    choose_results_view_class = ProductChooseResultsView


product_chooser_viewset = ProductChooserViewSet("product_chooser")
