"""Password length by the customer's choice (QUALITY S7): 8 characters, 15 when the contract
holder switched the SMS code off; at most 128."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_LENGTH = 128


def minimum_length(user: object | None) -> int:
    if user is None or getattr(user, "pk", None) is None or getattr(user, "is_staff", False):
        return 15 if getattr(user, "is_staff", False) else 8
    customers = [m.customer for m in user.memberships.select_related("customer")]  # type: ignore[attr-defined]
    return 15 if any(not c.sms_second_factor for c in customers) else 8


class CustomerLengthValidator:
    def validate(self, password: str, user: object | None = None) -> None:
        minimum = minimum_length(user)
        if len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "This password is too short. It must contain at least %(min_length)d character.",
                    "This password is too short. It must contain at least %(min_length)d characters.",
                    minimum,
                )
                % {"min_length": minimum},
                code="password_too_short",
            )
        if len(password) > MAX_LENGTH:
            raise ValidationError(_("This password is too long."), code="password_too_long")

    def get_help_text(self) -> str:
        return _("At least 8 characters, 15 if your company switched off the SMS code.")
