"""Forms of the fleet pages (F-20..F-30). They parse and name the field a bad value belongs to;
the rules themselves (SIM in stock, option applies, port-in, user details…) are the actions'
and the catalogue's, which the views and these forms call, so a page says what the API says.
Text limits are the model's (`ActionCharField`, `model_limit`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from fleetportal.accounts.forms import ActionCharField, ActionChoiceField, MobileField, model_limit
from fleetportal.billing.models import BillingAccount, SplitBillProfile
from fleetportal.catalog.models import ContractOption, ContractPlan, TariffPlan
from fleetportal.catalog.rules import option_applies
from fleetportal.core.errors import ActionError
from fleetportal.core.views import form_error

from .actions.details import clean_detail
from .actions.lines import PortIn, port_in_problems, require_options_apply
from .actions.sims import esim_resend_address
from .iccid import is_valid_iccid, normalize_iccid
from .models import Line, Tag

# Column → ordering the overview may sort by (F-20); anything else is ignored.
SORTS = [
    ("msisdn", _("Phone number")),
    ("description", _("Description")),
    ("plan", _("Tariff")),
    ("status", _("Status")),
    ("billing_account", _("Billing account")),
]
SORT_VALUES = [key for key, _label in SORTS] + [f"-{key}" for key, _label in SORTS]
PORT_IN_FIELDS = ("msisdn", "donor_operator", "donor_account", "donor_sim")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


class IccidField(forms.CharField):
    """An ICCID as people copy it from the card (spaces, dashes), cleaned to its digits."""

    default_error_messages = {
        "invalid_iccid": _("Enter a valid SIM card number: 19 or 20 digits, the last one a check digit."),
    }

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("label", _("SIM card number (ICCID)"))
        super().__init__(max_length=32, **kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "placeholder": "8932 …"})

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if value and not is_valid_iccid(value):
            raise forms.ValidationError(self.error_messages["invalid_iccid"], code="invalid_iccid")
        return normalize_iccid(value)


def not_in_the_past(day: date | None) -> None:
    """Form-level check so the field shows it at once; the action refuses a past date too."""
    if day is not None and day < timezone.localdate():
        raise forms.ValidationError(_("Choose today or a later date."), code="past")


class LabelledChoice(forms.ModelChoiceField):
    """A model choice whose option text is given by `label(obj)`."""

    def __init__(self, *args: Any, label_of: Any = str, **kwargs: Any):
        self.label_of = label_of
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return self.label_of(obj)


def billing_account_label(account: BillingAccount) -> str:
    address = " ".join(account.invoice_address.split())
    return " · ".join(part for part in (account.number, account.name, address) if part)


# --- the overview (F-20) --------------------------------------------------------------------------


class QuickSelect(forms.Select):
    """A <select> written in Python rather than through a template per option: the overview
    renders four on every page, and the widget templates cost a tenth of the page."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        chosen = {str(item) for item in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, " selected" if str(key) in chosen else "", label) for key, label in self.choices),
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attributes, options)


class QuickSearch(forms.SearchInput):
    """The overview's search field written in Python, as `QuickSelect` is (the widget's three
    templates cost more than the rest of the filter form)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        shown = self.format_value(value)
        current = format_html(' value="{}"', shown) if shown is not None else ""
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<input type="{}" name="{}"{}{}>', self.input_type, name, current, attributes)


class ValuesChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices as (id, label) pairs read by one plain query of two columns: no model
    instances (the overview renders three such lists on every page), and not through
    `iterator()`, whose server-side cursor on PostgreSQL costs three round trips for a handful
    of rows. Read when the widget renders: a form that only checks a filter (the bulk pages,
    the exports, the results htmx swaps in) reads no list."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", self.field.label_field)  # type: ignore[attr-defined]


class FilterChoiceField(forms.ModelChoiceField):
    """A filter of the overview: its queryset checks a chosen value, its list shows the
    `label_field` of each row."""

    iterator = ValuesChoiceIterator
    widget = QuickSelect

    def __init__(self, *args: Any, label_field: str = "name", **kwargs: Any):
        self.label_field = label_field
        super().__init__(*args, **kwargs)


class LineFilterForm(forms.Form):
    """Search and filters of the SIM overview; the choices are the actor's own."""

    q = forms.CharField(label=_("Search"), max_length=100, required=False, widget=QuickSearch)
    status = forms.ChoiceField(label=_("Status"), required=False, widget=QuickSelect)
    plan = FilterChoiceField(
        label=_("Tariff plan"), queryset=TariffPlan.objects.none(), required=False, empty_label=_("All tariff plans")
    )
    billing_account = FilterChoiceField(
        label=_("Billing account"),
        queryset=BillingAccount.objects.none(),
        required=False,
        empty_label=_("All billing accounts"),
        label_field="number",
    )
    tag = FilterChoiceField(label=_("Tag"), queryset=Tag.objects.none(), required=False, empty_label=_("All tags"))
    sort = forms.ChoiceField(label=_("Sort"), required=False, widget=forms.HiddenInput)

    FILTERS = ("q", "status", "plan", "billing_account", "tag")

    def __init__(
        self,
        *args: Any,
        plans: QuerySet[TariffPlan],
        billing_accounts: QuerySet[BillingAccount],
        tags: QuerySet[Tag],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Number, SIM card number, name or description")
        self.fields["status"].choices = [("", _("All statuses")), *Line.Status.choices]  # type: ignore[attr-defined]
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]
        self.fields["billing_account"].queryset = billing_accounts  # type: ignore[attr-defined]
        self.fields["tag"].queryset = tags  # type: ignore[attr-defined]
        self.fields["sort"].choices = [("", ""), *((value, value) for value in SORT_VALUES)]  # type: ignore[attr-defined]

    def criteria(self) -> dict[str, Any]:
        """The filters that validated, as keyword arguments of `selectors.lines_for` (a bad one
        is left out and shows its error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        criteria = {"search" if name == "q" else name: data[name] for name in (*self.FILTERS, "sort") if data.get(name)}
        return criteria


# --- the Add SIM wizard (F-21) ----------------------------------------------------------------------


class SimStepForm(forms.Form):
    iccid = IccidField(
        help_text=_(
            "The 19 or 20 digits printed on the SIM card, starting with 89; or a few of them to find it in your stock."
        )
    )


class SplitBillStepForm(forms.Form):
    split_bill = forms.TypedChoiceField(
        label=_("Is this a split bill?"),
        choices=[("no", _("No")), ("yes", _("Yes"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="no",
    )
    profile = forms.ModelChoiceField(
        label=_("Split-bill profile"), queryset=SplitBillProfile.objects.none(), required=False
    )

    def __init__(self, *args: Any, profiles: QuerySet[SplitBillProfile], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["profile"].queryset = profiles  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("split_bill") and not data.get("profile"):
            self.add_error("profile", _("Choose the split-bill profile of this line."))
        if not data.get("split_bill"):
            data["profile"] = None
        return data


class LineDetailsCheckedByAction(forms.Form):
    """A form of line details whose every value the action's rule checks (`clean_detail`:
    lengths, e-mail, phone, birth date, lists), each on its own field, with the message the
    API gives for the same value."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in list(self.fields):
            if name not in data:
                continue  # the field did not parse: its error is shown already
            try:
                data[name] = clean_detail(name, data[name])
            except ActionError as exc:
                form_error(self, exc)
        return data


def line_text(name: str, **kwargs: Any) -> ActionCharField:
    """A text field of a line, with the line's limit (checked by the action)."""
    return ActionCharField(Line, name, **kwargs)


class UserDetailsForm(LineDetailsCheckedByAction):
    """The user profile of a line (F-21 step 3, F-27 "user details")."""

    description = line_text("description", label=_("Description"), required=False)
    civility = ActionChoiceField(label=_("Civility"), required=False)
    first_name = line_text("first_name", label=_("First name of the user"))
    last_name = line_text("last_name", label=_("Last name of the user"))
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())
    email = line_text("email", label=_("E-mail address"), required=False, widget=forms.EmailInput)
    contact_phone = MobileField(label=_("Phone number"), required=False)
    language = ActionChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["civility"].choices = [("", _("Choose a civility")), *Line.Civility.choices]  # type: ignore[attr-defined]
        self.fields["description"].widget.attrs["placeholder"] = _("Enter a description.")


class AddressForm(LineDetailsCheckedByAction):
    postal_code = line_text("postal_code", label=_("Postal code"), required=False)
    locality = line_text("locality", label=_("Locality"), required=False)
    street = line_text("street", label=_("Street and number"), required=False)
    box = line_text("box", label=_("Box"), required=False)


class OptionsWidget(forms.CheckboxSelectMultiple):
    """Checkboxes where the options not applicable to the chosen plan are disabled (and
    marked `not_applicable` for the template, which renders each box itself)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.not_applicable: set[str] = set()

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.not_applicable:
            option["attrs"]["disabled"] = True
            option["not_applicable"] = True
        return option


class OptionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        from fleetportal.catalog.templatetags.catalog import money

        return f"{obj.option.name} · {money(obj.monthly_price)}"


def plan_label(item: ContractPlan) -> str:
    from fleetportal.catalog.templatetags.catalog import money

    return f"{item.plan.name} · {money(item.monthly_price)}"


class GroupedPlans(forms.Form):
    """A form with a `plan` radio list over the contract's plans."""

    def plan_groups(self) -> list[tuple[str, list[Any]]]:
        """The plan radio buttons by category (mobile, then data), as the seeds show them."""
        groups: dict[str, list[Any]] = {}
        for box in self["plan"]:
            plan = box.data["value"].instance.plan
            groups.setdefault(str(plan.get_category_display()), []).append(box)
        return list(groups.items())


class PlanStepForm(GroupedPlans):
    """A plan of the contract and its options; options that do not apply to the plan are refused
    here with the catalogue's rule (R-F2), and shown disabled."""

    plan = LabelledChoice(
        label=_("Tariff plan"), queryset=ContractPlan.objects.none(), label_of=plan_label, widget=forms.RadioSelect
    )
    options = OptionChoiceField(
        label=_("Options"), queryset=ContractOption.objects.none(), required=False, widget=OptionsWidget
    )

    def __init__(self, *args: Any, plans: QuerySet[ContractPlan], options: QuerySet[ContractOption], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]
        self.fields["options"].queryset = options  # type: ignore[attr-defined]
        self.retained_options = list(options)
        self.chosen_plan = self._chosen_plan(plans)
        if self.chosen_plan is not None:
            widget: OptionsWidget = self.fields["options"].widget  # type: ignore[assignment]
            widget.not_applicable = {
                str(item.pk) for item in self.retained_options if not option_applies(item.option, self.chosen_plan.plan)
            }

    def _chosen_plan(self, plans: QuerySet[ContractPlan]) -> ContractPlan | None:
        value = self.data.get(self.add_prefix("plan")) if self.is_bound else self.initial.get("plan")
        if not value:
            return None
        return next((item for item in plans if str(item.pk) == str(value)), None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen, plan = data.get("options") or [], data.get("plan")
        if plan is not None:
            try:
                require_options_apply(plan.plan, [item.option for item in chosen])
            except ActionError as exc:
                form_error(self, exc)
        return data


class BillingStepForm(forms.Form):
    billing_account = LabelledChoice(
        label=_("Billing account"),
        queryset=BillingAccount.objects.none(),
        label_of=billing_account_label,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, billing_accounts: QuerySet[BillingAccount], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["billing_account"].queryset = billing_accounts  # type: ignore[attr-defined]
        if len(billing_accounts) == 1 and not self.is_bound:
            self.initial.setdefault("billing_account", billing_accounts[0].pk)


class NumberStepForm(forms.Form):
    """A new number from the operator's pool, or keep an existing one (port-in)."""

    NEW, EXISTING = "new", "existing"

    choice = forms.ChoiceField(
        label=_("Which phone number do you want to use?"),
        choices=[(NEW, _("New number")), (EXISTING, _("Existing number"))],
        widget=forms.RadioSelect,
        initial=NEW,
    )
    new_number = forms.ChoiceField(label=_("Number from the pool"), required=False)
    msisdn = MobileField(label=_("Existing phone number"), required=False)
    donor_operator = forms.ChoiceField(label=_("Current operator"), required=False)
    donor_account = line_text("donor_account", label=_("Customer number at the current operator"), required=False)
    donor_sim = line_text("donor_sim", label=_("SIM card number at the current operator"), required=False)

    DONORS = ["Proximus", "Orange Belgium", "BASE", "Mobile Vikings", "Scarlet", "Lycamobile", "Other"]

    def __init__(self, *args: Any, free_numbers: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        from fleetportal.core.phones import display

        self.fields["new_number"].choices = [("", _("The first free number")), *((n, display(n)) for n in free_numbers)]  # type: ignore[attr-defined]
        self.fields["donor_operator"].choices = [("", _("Choose an operator")), *((d, d) for d in self.DONORS)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """A port-in is checked by the action's rule (`port_in_problems`), every problem on its field."""
        data = super().clean() or {}
        if data.get("choice") == self.EXISTING:
            choice = PortIn(**{name: self._port_in_value(data, name) for name in PORT_IN_FIELDS})
            for problem in port_in_problems(choice):
                if problem.field not in self.errors:
                    form_error(self, problem)
        return data

    def _port_in_value(self, data: dict[str, Any], name: str) -> str:
        if name in self.errors:  # its own error is shown; as typed, it is not "missing"
            return str(self.data.get(self.add_prefix(name)) or "")
        return str(data.get(name) or "")


# --- changes to lines -----------------------------------------------------------------------------


class ActivateForm(forms.Form):
    # Named "date" like the actions' errors (ActionError(field="date")), so they land on it.
    date = forms.DateField(label=_("Activation date"), widget=DateInput(), validators=[not_in_the_past])


class SwapForm(forms.Form):
    new_iccid = IccidField(label=_("New SIM card number"))


class EsimResendForm(forms.Form):
    """Resend an eSIM's activation e-mail (F-23); empty: to the line's user, as the first one.
    The address is checked by the action's rule (`esim_resend_address`), with its message."""

    email = line_text(
        "email",
        label=_("Send to (optional)"),
        required=False,
        help_text=_("Leave empty to send it to the user's e-mail address."),
        widget=forms.EmailInput,
    )

    def clean_email(self) -> str:
        try:
            return esim_resend_address(self.cleaned_data["email"])
        except ActionError as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from exc


class SwitchForm(forms.Form):
    """Suspend or reactivate (F-25): now or on a later date, with an optional reason."""

    date = forms.DateField(label=_("Date"), widget=DateInput(), validators=[not_in_the_past])
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)


class StopForm(forms.Form):
    END, TRANSFER = "end", "transfer"

    date = forms.DateField(label=_("Date"), widget=DateInput(), validators=[not_in_the_past])
    outcome = forms.ChoiceField(
        label=_("What happens to the number?"),
        choices=[(END, _("End the number")), (TRANSFER, _("Transfer the number to the employee privately"))],
        widget=forms.RadioSelect,
        initial=END,
    )


class PlanChoiceForm(GroupedPlans):
    plan = LabelledChoice(
        label=_("Tariff plan"), queryset=ContractPlan.objects.none(), label_of=plan_label, widget=forms.RadioSelect
    )
    date = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(),
        validators=[not_in_the_past],
        help_text=_("Leave empty to change the plan today."),
    )

    def __init__(self, *args: Any, plans: QuerySet[ContractPlan], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]


class OptionsChangeForm(forms.Form):
    add = OptionChoiceField(
        label=_("Add options"),
        queryset=ContractOption.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    remove = OptionChoiceField(
        label=_("Remove options"),
        queryset=ContractOption.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, options: QuerySet[ContractOption], removable: QuerySet[ContractOption], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["add"].queryset = options  # type: ignore[attr-defined]
        self.fields["remove"].queryset = removable  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        add, remove = data.get("add") or [], data.get("remove") or []
        if not add and not remove:
            raise forms.ValidationError(_("Choose options to add or to remove."), code="empty")
        both = {item.pk for item in add} & {item.pk for item in remove}
        if both:
            self.add_error("remove", _("An option cannot be added and removed at once."))
        return data


class TagsForm(forms.Form):
    """Tags (cost centres) to put on the selected lines or take off; a new one is created first."""

    add = forms.ModelMultipleChoiceField(
        label=_("Add tags"), queryset=Tag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    name = forms.CharField(label=_("New tag"), max_length=model_limit(Tag, "name"), required=False)
    remove = forms.ModelMultipleChoiceField(
        label=_("Remove tags"), queryset=Tag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, tags: QuerySet[Tag], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["add"].queryset = tags  # type: ignore[attr-defined]
        self.fields["remove"].queryset = tags  # type: ignore[attr-defined]
        self.fields["name"].widget.attrs["placeholder"] = _("e.g. a cost centre")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("add") and not data.get("remove") and not (data.get("name") or "").strip():
            raise forms.ValidationError(_("Choose tags to add or remove."), code="empty")
        return data


class BillingChangeForm(forms.Form):
    billing_account = LabelledChoice(
        label=_("Billing account"), queryset=BillingAccount.objects.none(), label_of=billing_account_label
    )
    split_bill_profile = forms.ModelChoiceField(
        label=_("Split-bill profile"),
        queryset=SplitBillProfile.objects.none(),
        required=False,
        empty_label=_("No split bill"),
    )

    def __init__(
        self,
        *args: Any,
        billing_accounts: QuerySet[BillingAccount],
        profiles: QuerySet[SplitBillProfile],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["billing_account"].queryset = billing_accounts  # type: ignore[attr-defined]
        self.fields["split_bill_profile"].queryset = profiles  # type: ignore[attr-defined]
