from decimal import Decimal
from typing import Any

from django import forms
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from oscar.apps.dashboard.catalogue import forms as oscar_forms
from oscar.forms.widgets import ImageInput as OscarImageInput

from common.uploads import IMAGE_TYPES, document_name


class ImageInput(OscarImageInput):
    """Oscar's picture input without inline event handlers (the Content-Security-Policy refuses them)."""

    template_name = "catalogue_dashboard/image_input_widget.html"


class StockRecordForm(oscar_forms.StockRecordForm):
    """Oscar's stock record form, refusing a negative price or stock with a clear message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The model's positive integer fields already refuse a negative value,
        # with Django's generic "greater than or equal to 0": say what is wrong.
        negative = {
            "num_in_stock": _("The stock cannot be negative."),
            "low_stock_threshold": _("The low-stock threshold cannot be negative."),
        }
        for name, message in negative.items():
            if name in self.fields:
                self.fields[name].error_messages["min_value"] = message
        if "price" in self.fields:
            self.fields["price"].widget.attrs["min"] = "0"

    def clean_price(self) -> Decimal | None:
        price = self.cleaned_data.get("price")
        if price is not None and price < 0:
            raise forms.ValidationError(_("The price cannot be negative."), code="min_value")
        return price


class ProductImageForm(oscar_forms.ProductImageForm):
    """Product pictures: a real image (Django's ImageField checks with Pillow) of at most 5 MB,
    a JPEG, PNG or WebP only, stored under a generated name that says what it is."""

    MAX_BYTES = 5 * 1024 * 1024

    class Meta(oscar_forms.ProductImageForm.Meta):
        widgets = {**oscar_forms.ProductImageForm.Meta.widgets, "original": ImageInput()}

    def clean_original(self) -> File | None:
        image = self.cleaned_data.get("original")
        if not isinstance(image, UploadedFile):
            return image  # no new upload: the stored picture stays as it is
        if getattr(image, "size", 0) > self.MAX_BYTES:
            raise forms.ValidationError(_("The picture is larger than 5 MB."))
        # ImageField has opened it with Pillow (``image.image``); take only web formats.
        kind = IMAGE_TYPES.get(getattr(getattr(image, "image", None), "format", None) or "")
        if kind is None:
            raise forms.ValidationError(_("Upload the picture as a JPEG, PNG or WebP file."))
        image.name = document_name(kind)
        image.content_type = kind.content_type
        return image
