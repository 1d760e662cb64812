"""The back office's forms (F-93). Rules live in the actions; a form only reads what staff
typed, so a page and the API give the same message."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fleetportal.accounts.forms import MobileField
from fleetportal.accounts.models import StaffRole, User
from fleetportal.core.models import Contract, Customer
from fleetportal.fleet.models import PoolNumber, SimCard

# The countries and currencies the operator sells in; the API takes any ISO code.
COUNTRIES = [
    ("BE", _("Belgium")),
    ("HU", _("Hungary")),
    ("NL", _("Netherlands")),
    ("LU", _("Luxembourg")),
    ("FR", _("France")),
    ("DE", _("Germany")),
]
CURRENCIES = [("EUR", _("Euro (EUR)")), ("HUF", _("Hungarian forint (HUF)"))]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    vat_number = forms.RegexField(
        label=_("VAT number"),
        regex=r"^[A-Z]{2}[0-9A-Z]{8,12}$",
        max_length=14,
        error_messages={"invalid": _("Enter a VAT number such as BE0123456749 or HU12345678.")},
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRIES, initial="BE")
    login_domain = forms.SlugField(
        label=_("Login domain"), max_length=60, help_text=_("Used in login names such as admin@company.")
    )
    contract_number = forms.CharField(label=_("Contract number"), max_length=40)
    contract_start = forms.DateField(label=_("Start date"), widget=DATE)
    currency = forms.ChoiceField(label=_("Currency of the contract"), choices=CURRENCIES, initial="EUR")
    contract_email = forms.EmailField(label=_("E-mail address of the contract holder"), max_length=254)
    contract_mobile = MobileField(label=_("Mobile number of the contract holder"))
    billing_account = forms.RegexField(
        label=_("Billing account"),
        regex=r"^\d{6,12}$",
        max_length=12,
        error_messages={"invalid": _("A billing account is 6 to 12 digits.")},
    )


class CustomerEditForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False)
    vat_number = CustomerForm.base_fields["vat_number"]
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRIES)

    @classmethod
    def of(cls, customer: Customer) -> CustomerEditForm:
        return cls(initial={name: getattr(customer, name) for name in cls.base_fields}, prefix="customer")


class ContractEditForm(forms.Form):
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    contact_email = forms.EmailField(label=_("E-mail address of the contract holder"), max_length=254)
    contact_mobile = MobileField(label=_("Mobile number of the contract holder"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES)

    @classmethod
    def of(cls, contract: Contract) -> ContractEditForm:
        return cls(initial={name: getattr(contract, name) for name in cls.base_fields})


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Active and suspended")), ("active", _("Active")), ("suspended", _("Suspended"))],
    )
    country = forms.ChoiceField(label=_("Country"), required=False, choices=[("", _("All countries")), *COUNTRIES])
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All languages")), *settings.LANGUAGES]
    )


class PriceForm(forms.Form):
    """One catalogue item of a contract: the price is checked by the action (its message)."""

    kind = forms.CharField(widget=forms.HiddenInput)
    code = forms.CharField(widget=forms.HiddenInput, max_length=40)
    price = forms.CharField(label=_("Monthly price"), max_length=20)


class PoolImportForm(forms.Form):
    first = forms.CharField(
        label=_("First number"), max_length=20, widget=forms.TextInput({"placeholder": "+32470000000"})
    )
    last = forms.CharField(
        label=_("Last number"), max_length=20, widget=forms.TextInput({"placeholder": "+32470000999"})
    )


class PoolFilterForm(forms.Form):
    q = forms.CharField(label=_("Search a number"), max_length=20, required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *PoolNumber.Status.choices]
    )


class SimImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("Columns iccid, imsi, pin, puk (and optionally kind: physical or esim).")
    )
    customer = forms.SlugField(
        label=_("For the customer (login domain)"),
        max_length=60,
        required=False,
        help_text=_("Empty: the operator's shared stock, which every customer's Add SIM wizard uses."),
    )

    def clean_customer(self) -> Customer | None:
        domain = self.cleaned_data.get("customer") or ""
        if not domain:
            return None
        customer = Customer.objects.filter(login_domain__iexact=domain).first()
        if customer is None:
            raise forms.ValidationError(_("No customer has this login domain."))
        return customer


SHARED = "shared"
CUSTOMERS = "customers"


class SimFilterForm(forms.Form):
    q = forms.CharField(label=_("Search ICCID or IMSI"), max_length=22, required=False)
    owner = forms.ChoiceField(
        label=_("Stock"),
        required=False,
        choices=[
            ("", _("Every stock")),
            (SHARED, _("The operator's shared stock")),
            (CUSTOMERS, _("Customers' stock")),
        ],
    )
    customer = forms.CharField(label=_("Customer (name or login domain)"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *SimCard.Status.choices]
    )
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types")), *SimCard.Kind.choices])


class StaffKeyForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Acts as"),
        queryset=User.objects.filter(is_staff=True, is_active=True).order_by("email"),
        help_text=_("The key has this staff login's role."),
    )
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the key is for, e.g. CRM."))


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Staff role"), choices=StaffRole.choices)
