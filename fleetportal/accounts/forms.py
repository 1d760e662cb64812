"""Forms of the login flows. Each names the field a bad value belongs to."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm
from django import forms
from django.conf import settings
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.models import Channel
from fleetportal.core.phones import InvalidNumber, parse_mobile

from .actions import audit_identity, password_require_change_if_short
from .models import Function, Membership, Role, User
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


def model_limit(model: type[Model], name: str) -> int:
    """The `max_length` of a model field: the one limit a form field may have (the house rule)."""
    limit = getattr(model._meta.get_field(name), "max_length", None)
    assert limit, f"{model.__name__}.{name} has no max_length"
    return int(limit)


class ActionCharField(forms.CharField):
    """Text up to a model field's `max_length`, for a value an action checks: the browser gets
    the limit as `maxlength`, the action refuses a longer value with the message the API gives."""

    def __init__(self, model: type[Model], name: str, **kwargs: Any):
        self.limit = model_limit(model, name)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if not widget.is_hidden:
            attrs["maxlength"] = str(self.limit)
        return attrs


class ActionChoiceField(forms.ChoiceField):
    """A list to choose from whose value the action checks, with the message the API gives for
    the same bad value; the form only renders the choices."""

    def valid_value(self, value: Any) -> bool:
        return True


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
        if user is not None:  # the password was right: is it long enough without the SMS step? (R-I4)
            password_require_change_if_short(
                actor=Actor(user=user, channel=Channel.WEB, ip_address=self._ip()),
                user=user,
                password=cleaned.get("password") or "",
            )
        return cleaned

    def _ip(self) -> str | None:
        return client_ip(self.request) if self.request else None

    def _audit_failure(self) -> None:
        login = str(self.cleaned_data.get("login") or self.data.get("login") or "")
        login = login.replace("\x00", "")[:254]  # raw input: PostgreSQL refuses NUL in text (R3)
        user = user_by_login(login)
        audit_identity(
            actor=Actor(user=None, channel=Channel.WEB, ip_address=self._ip()),
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
    email = forms.EmailField(label=_("E-mail address of the contract"), max_length=model_limit(User, "email"))
    phone = MobileField(label=_("Mobile number of the contract"))


class InvitationAcceptForm(PasswordForm):
    first_name = forms.CharField(label=_("First name"), max_length=model_limit(User, "first_name"))
    last_name = forms.CharField(label=_("Last name"), max_length=model_limit(User, "last_name"))
    phone = MobileField()
    language = ActionChoiceField(label=_("Language"), choices=settings.LANGUAGES)  # `invitation_accept` checks it
    field_order = ["first_name", "last_name", "phone", "language", "password1", "password2"]


class InviteForm(forms.Form):
    """What `user_invite` needs; the action checks it (e-mail, role, language, rights), so the
    page says what the API says for the same bad value."""

    email = ActionCharField(User, "email", label=_("E-mail address"), widget=forms.EmailInput)
    description = ActionCharField(Membership, "description", label=_("Description"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=[(Role.MANAGER, Role.MANAGER.label), (Role.MEMBER, Role.MEMBER.label)]
    )
    language = ActionChoiceField(label=_("Language"), choices=settings.LANGUAGES)
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
    language = ActionChoiceField(label=_("Language"), choices=settings.LANGUAGES)  # `user_update_profile` checks it
    phone = MobileField(required=False)
