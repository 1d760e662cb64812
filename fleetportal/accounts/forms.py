"""Forms of the login flows. Each names the field a bad value belongs to."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.models import Channel
from fleetportal.core.phones import InvalidNumber, parse_mobile

from .actions import audit_identity
from .models import Function, Role
from .rights import NUMBER_LOGIN_FUNCTIONS
from .selectors import user_by_login
from .session import client_ip


class MobileField(forms.CharField):
    """A mobile number as people type it, cleaned to E.164."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "tel", "inputmode": "tel", "placeholder": "0470 12 34 56"})

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return ""
        try:
            return parse_mobile(value)
        except InvalidNumber as exc:
            raise forms.ValidationError(InvalidNumber.message, code="invalid_number") from exc


class CodeField(forms.CharField):
    def __init__(self, **kwargs: Any):
        kwargs.setdefault("label", _("Code"))
        super().__init__(max_length=12, **kwargs)
        self.widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "autofocus": True}
        )


class AliasLoginForm(LoginForm):
    """allauth's login, also taking `alias@company` names (F-10) and auditing failures."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["login"] = forms.CharField(
            label=_("E-mail or login name"),
            max_length=254,
            widget=forms.TextInput(
                attrs={
                    "autocomplete": "username",
                    "autofocus": True,
                    "placeholder": _("name@company.com or admin@company"),
                }
            ),
        )
        # allauth's help links to its own reset by link; the page links to ours (by code, F-06).
        self.fields["password"].help_text = ""

    def clean_login(self) -> str:
        login = super().clean_login()
        user = user_by_login(login)
        return user.email if user is not None else login

    def clean(self) -> dict[str, Any]:
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            self._audit_failure()
            raise
        if self.errors:
            self._audit_failure()
            return cleaned
        user = getattr(self, "user", None)
        password = cleaned.get("password") or ""
        if (
            user is not None
            and len(password) < 15
            and user.memberships.filter(customer__sms_second_factor=False).exists()
        ):
            user.must_change_password = True  # R-I4: without the SMS step, 15 characters
            user.save(update_fields=["must_change_password"])
        return cleaned

    def _audit_failure(self) -> None:
        login = str(self.cleaned_data.get("login") or self.data.get("login") or "")
        login = login.replace("\x00", "")[:254]  # raw input: PostgreSQL refuses NUL in text (R3)
        user = user_by_login(login)
        audit_identity(
            actor=Actor(user=None, channel=Channel.WEB, ip_address=client_ip(self.request) if self.request else None),
            action="login.failed",
            user=user,
            detail={"login": login},
        )


class SmsCodeForm(forms.Form):
    code = CodeField()


class PhoneLoginNumberForm(forms.Form):
    phone = MobileField()


class PasswordForm(forms.Form):
    """A new password, typed twice; rules checked by the action with the user known."""

    password1 = forms.CharField(
        label=_("New password"),
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("New password (again)"),
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned


class ResetRequestForm(forms.Form):
    login = forms.CharField(label=_("E-mail or login name"), max_length=254)
    channel = forms.ChoiceField(
        label=_("Send the code by"),
        choices=[("email", _("E-mail")), ("sms", _("SMS to the mobile number of the login"))],
        widget=forms.RadioSelect,
        initial="email",
    )


class ResetCodeForm(PasswordForm):
    code = CodeField()
    field_order = ["code", "password1", "password2"]


class ClaimForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the contract"), max_length=254)
    phone = MobileField(label=_("Mobile number of the contract"))


class InvitationAcceptForm(PasswordForm):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    phone = MobileField()
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    field_order = ["first_name", "last_name", "phone", "language", "password1", "password2"]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=[(Role.MANAGER, Role.MANAGER.label), (Role.MEMBER, Role.MEMBER.label)]
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    functions = forms.MultipleChoiceField(
        label=_("Limit to"),
        choices=Function.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every function of the role."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"), choices=[(Role.MANAGER, Role.MANAGER.label), (Role.MEMBER, Role.MEMBER.label)]
    )


class FunctionsForm(forms.Form):
    functions = forms.MultipleChoiceField(
        label=_("Limit to"),
        choices=Function.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every function of the role."),
    )


class SecuritySettingsForm(forms.Form):
    sms_second_factor = forms.BooleanField(label=_("Ask an SMS code after the password"), required=False)
    number_login_functions = forms.MultipleChoiceField(
        label=_("A login by phone number may"),
        choices=list(NUMBER_LOGIN_FUNCTIONS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ProfileForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    phone = MobileField(required=False)
