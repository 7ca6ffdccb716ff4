"""The Chinese address form, for the checkout, the address book and the dashboard.

收货人 (one name, printed as written), 手机号 (a mainland mobile number, stored as
E.164), 省/市/区 (division codes from ``shop.address.divisions``), 详细地址 and an
optional 邮编. The country is always China and is not asked.

Oscar's address has no field for a division, so the form maps onto Oscar's own
fields, the same way everywhere: ``last_name`` = 收货人 (``first_name`` blank),
``state`` = 省, ``line4`` = 市, ``line3`` = 区/县, ``line1`` = 详细地址, ``line2``
blank, ``postcode`` = 邮编. The county's code is found again from those three names
(``divisions.division_path_for_names``); ``templates/oscar/partials/address_cn.html``
prints an address in Chinese order.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from oscar.apps.address.forms import *  # noqa: F403
from oscar.apps.address.forms import AbstractAddressForm
from oscar.core.loading import get_model

from shop.address import divisions

Country = get_model("address", "Country")
UserAddress = get_model("address", "UserAddress")

MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def mobile_normalise(raw: str) -> str:
    """A mainland China mobile number in E.164 (``+8613800138000``), or ValidationError."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Enter a mainland China mobile number: 11 digits starting with 1."), code="invalid"
        )
    if number.country_code != 86:
        raise ValidationError(
            _("Enter a mainland China mobile number (+86); numbers abroad cannot be used."),
            code="foreign",
        )
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ValidationError(
            _("This is a landline number. Enter a mobile number the courier can call or text."),
            code="landline",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class MobileNumberField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def prepare_value(self, value: Any) -> Any:
        # A stored +86 number is shown as the buyer types it: 13800138000.
        text = str(value or "")
        return text[3:] if text.startswith("+86") else value

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        return mobile_normalise(text) if text else text


def _options(first: str, items: Any) -> list[tuple[str, str]]:
    return [("", first)] + [(item.code, item.name) for item in items]


class ListedNext(forms.Select):
    """A select the server may list only once the one above it is chosen (city, district).

    Without script, a buyer sends the form with the province chosen and the city still
    empty, to have the cities listed: the browser must let that through, so the select
    carries no ``required`` (the server still requires it, with its own message). The
    other fields keep theirs, and the browser stops a form sent without them.
    """

    def use_required_attribute(self, initial: Any) -> bool:
        return False


class ChineseAddressFormMixin(forms.Form):
    """The Chinese address's fields and checks, mixed into Oscar's address ModelForms."""

    last_name = forms.CharField(
        label=_("Recipient"),
        max_length=255,
        error_messages={"required": _("Enter the recipient's name.")},
    )
    phone_number = MobileNumberField(
        label=_("Mobile number"),
        error_messages={"required": _("Enter a mobile number so the courier can reach you.")},
    )
    province = forms.CharField(
        label=_("Province"),
        widget=forms.Select,
        error_messages={"required": _("Choose a province.")},
    )
    city = forms.CharField(
        label=_("City"),
        widget=ListedNext,
        error_messages={"required": _("Choose a city.")},
    )
    district = forms.CharField(
        label=_("District or county"),
        widget=ListedNext,
        error_messages={"required": _("Choose a district or county.")},
    )
    line1 = forms.CharField(
        label=_("Street address"),
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": _("Street, building, unit and room")}),
        error_messages={"required": _("Enter the street address.")},
    )
    postcode = forms.RegexField(
        label=_("Postcode"),
        regex=r"^[0-9]{6}$",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "6"}),
        error_messages={"invalid": _("A postcode is 6 digits, e.g. 654100.")},
    )

    ADDRESS_FIELD_ORDER = ["last_name", "phone_number", "province", "city", "district", "line1"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        stored = {
            name: self.initial.get(name) or getattr(instance, name, "") or ""
            for name in ("state", "line4", "line3")
        }
        path = divisions.division_path_for_names(stored["state"], stored["line4"], stored["line3"])
        if path is not None:
            self.initial.setdefault("province", path.province.code)
            self.initial.setdefault("city", path.city.code)
            self.initial.setdefault("district", path.district.code)
        self._division_choices_set()

    def _chosen(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix(name), "") or "")
        return str(self.initial.get(name, "") or "")

    def _division_choices_set(self) -> None:
        """Each select lists what the choice above it allows (without the script, the buyer
        chooses a province, sends the form and is asked for the city from that province's)."""
        province = divisions.province_get(self._chosen("province"))
        city = divisions.city_get(province, self._chosen("city")) if province else None
        choices = {
            "province": _options(
                str(_("Choose a province")), (p.division for p in divisions.provinces())
            ),
            "city": _options(
                str(_("Choose a city")), (c.division for c in province.cities) if province else ()
            ),
            "district": _options(
                str(_("Choose a district or county")), city.districts if city else ()
            ),
        }
        for name, options in choices.items():
            widget = self.fields[name].widget
            widget.choices = options
            widget.attrs["data-division"] = name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        codes = [cleaned.get(name) for name in ("province", "city", "district")]
        if not all(codes):
            return cleaned
        path = divisions.division_path(str(codes[2]))
        if path is None or path.province.code != codes[0] or path.city.code != codes[1]:
            raise ValidationError(
                _(
                    "The district or county chosen does not lie in the chosen city and "
                    "province. Choose them again."
                ),
                code="division_mismatch",
            )
        country = Country.objects.filter(iso_3166_1_a2="CN").first()
        if country is None:
            raise ValidationError(_("Shipping to China is not set up."), code="no_country")
        instance = self.instance  # type: ignore[attr-defined]
        instance.state = path.province.name
        instance.line4 = path.city.name
        instance.line3 = path.district.name
        instance.first_name = ""
        instance.title = ""
        instance.line2 = ""
        instance.country = country
        return cleaned


class UserAddressForm(ChineseAddressFormMixin, AbstractAddressForm):
    """An address in the buyer's address book, which may be the default for shipping."""

    is_default_for_shipping = forms.BooleanField(
        label=_("Use as my default shipping address"), required=False
    )

    class Meta:
        model = UserAddress
        fields = ["last_name", "phone_number", "line1", "postcode", "is_default_for_shipping"]

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.user = user
        self.order_fields([*self.ADDRESS_FIELD_ORDER, "postcode", "is_default_for_shipping"])
