from oscar.apps.dashboard.catalogue import formsets as oscar_formsets

from .forms import ProductImageForm, StockRecordForm


class StockRecordFormSet(oscar_formsets.StockRecordFormSet):
    # Oscar's formset loads its form through the root dashboard app; use ours.
    form = StockRecordForm


class ProductImageFormSet(oscar_formsets.ProductImageFormSet):
    form = ProductImageForm
