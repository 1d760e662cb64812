from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fleetportal.accounts.forms import MobileField


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    vat_number = forms.RegexField(
        label=_("VAT number"),
        regex=r"^[A-Z]{2}[0-9A-Z]{8,12}$",
        max_length=14,
        error_messages={"invalid": _("Enter a VAT number such as BE0123456749 or HU12345678.")},
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    login_domain = forms.SlugField(
        label=_("Login domain"), max_length=60, help_text=_("Used in login names such as admin@company.")
    )
    contract_number = forms.CharField(label=_("Contract number"), max_length=40)
    contract_start = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))
    contract_email = forms.EmailField(label=_("E-mail address of the contract holder"), max_length=254)
    contract_mobile = MobileField(label=_("Mobile number of the contract holder"))
    billing_account = forms.RegexField(
        label=_("Billing account"),
        regex=r"^\d{6,12}$",
        max_length=12,
        error_messages={"invalid": _("A billing account is 6 to 12 digits.")},
    )
