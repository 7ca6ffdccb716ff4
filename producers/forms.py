import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from common.uploads import DocumentFormField
from common.widgets import DateInput
from impact.models import Household, Region

from .models import BenefitLink, Producer
from .services import credit_code_clean

Product = get_model("catalogue", "Product")


class ProducerApplicationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=128)
    kind = forms.ChoiceField(label=_("Kind"), choices=Producer.Kind.choices)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18)
    county = forms.ModelChoiceField(
        label=_("County"),
        queryset=Region.objects.filter(level=Region.Level.COUNTY).order_by("code"),
    )
    township = forms.CharField(label=_("Township"), max_length=100)
    contact_name = forms.CharField(label=_("Contact"), max_length=64)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32)
    linkage = forms.CharField(
        label=_("How your income reaches farmers (purchase, jobs, dividends, land rent)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    story = forms.CharField(
        label=_("Your story"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    # Parsed for real (a PDF that opens, or a JPEG/PNG/WebP that decodes), 5 MB at most.
    licence = DocumentFormField(label=_("Business licence (PDF or image, at most 5 MB)"))

    def clean_credit_code(self) -> str:
        return credit_code_clean(self.cleaned_data["credit_code"])


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("recommend", _("Recommend")), ("approve", _("Approve")), ("reject", _("Reject"))]
    )
    note = forms.CharField(
        label=_("Note or reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BenefitLinkForm(forms.Form):
    household_code = forms.CharField(label=_("Household code"), max_length=32)
    kind = forms.ChoiceField(label=_("Kind"), choices=BenefitLink.Kind.choices)
    # Its queryset, the producer's products, is set for each form.
    product: "forms.ModelChoiceField[Any]" = forms.ModelChoiceField(
        label=_("Product"), queryset=None, required=False
    )
    per_unit = forms.DecimalField(
        label=_("Amount per unit (yuan)"), required=False, decimal_places=2, max_digits=12
    )
    share = forms.DecimalField(
        label=_("Share of the line (%)"), required=False, decimal_places=2, max_digits=5
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput())
    reason = forms.CharField(
        label=_("Reason (household outside the county)"), required=False, max_length=255
    )

    def __init__(self, *args: Any, producer: Producer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.producer = producer
        product_field = cast("forms.ModelChoiceField[Any]", self.fields["product"])
        product_field.queryset = Product.objects.filter(stockrecords__partner=producer.partner)
        self.fields["valid_from"].initial = datetime.date.today()

    def clean_household_code(self) -> Household:
        household = Household.objects.filter(
            code=self.cleaned_data["household_code"].strip()
        ).first()
        if household is None:
            raise ValidationError(_("There is no household with this code."))
        return household


class CertificateRenewalForm(forms.Form):
    """The renewal of a certificate: the new document and its dates (producers.services.certificate_renew)."""

    number = forms.CharField(label=_("New certificate number"), max_length=64)
    issuer = forms.CharField(label=_("Issuing body"), max_length=128)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), widget=DateInput())
    # Parsed for real (common.uploads): a PDF that opens, or a JPEG/PNG/WebP that decodes.
    document = DocumentFormField(label=_("New certificate (PDF or image, at most 5 MB)"))


class CertificateReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(
        label=_("Note or reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
