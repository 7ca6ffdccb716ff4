from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CampaignSharer


class SharerForm(forms.Form):
    name = forms.CharField(label=_("Sharer name"), max_length=64)
    role = forms.ChoiceField(label=_("Sharer role"), choices=CampaignSharer.Role.choices)
    code = forms.CharField(
        label=_("Sharer code"),
        max_length=32,
        required=False,
        help_text=_("Leave empty to have one made for you."),
    )
