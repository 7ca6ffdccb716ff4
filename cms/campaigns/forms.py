"""The campaign page's editor form, and the console's form for a new sharer."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from .models import CampaignSharer


class CampaignPageForm(WagtailAdminPageForm):
    """The editor's form: codes are written upper case."""

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").strip().upper()


class SharerForm(forms.Form):
    name = forms.CharField(label=_("Sharer name"), max_length=64)
    role = forms.ChoiceField(label=_("Sharer role"), choices=CampaignSharer.Role.choices)
    code = forms.CharField(
        label=_("Sharer code"),
        max_length=32,
        required=False,
        help_text=_("Leave empty to have one made for you."),
    )
