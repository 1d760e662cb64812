"""The user details of a line (F-27): managers edit them until the employee confirmed them;
from then on only the employee does (R-F1)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.phones import InvalidNumber, parse_mobile
from fleetportal.fleet.models import Line

from .common import bump, date_label, line_snapshot, lock_lines, max_length, require_fleet

# The "user details" tab: locked for managers once the employee confirmed them (R-F1).
PERSONAL_FIELDS = (
    "description",
    "civility",
    "first_name",
    "last_name",
    "birth_date",
    "email",
    "contact_phone",
    "language",
)
# The "address" tab: the company's to keep up to date.
ADDRESS_FIELDS = ("postal_code", "locality", "street", "box")
DETAIL_FIELDS = PERSONAL_FIELDS + ADDRESS_FIELDS


@dataclass(frozen=True)
class LineDetails:
    """The user profile of the add-SIM wizard (F-21 step 3) and the Manage SIM tabs (F-27)."""

    description: str = ""
    civility: str = ""
    first_name: str = ""
    last_name: str = ""
    birth_date: date | None = None
    email: str = ""
    contact_phone: str = ""
    language: str = ""
    postal_code: str = ""
    locality: str = ""
    street: str = ""
    box: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# A birth date is in the past and not before this year (F-21 step 3, F-27).
EARLIEST_BIRTH_YEAR = 1900


def text_limit(name: str) -> int:
    """A line field's `max_length`: the action's limit, and the forms' and the API's."""
    return max_length(Line, name)


def length_refusal(name: str, value: str) -> ActionError | None:
    """The refusal of a text longer than the line's field `name` keeps, if it is."""
    limit = text_limit(name)
    if len(value) > limit:
        return ActionError(_("Enter at most %(n)s characters.") % {"n": limit}, field=name)
    return None


def require_email(value: str, *, field: str) -> None:
    """The one e-mail address rule of the fleet's actions."""
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ActionError(_("Enter a valid e-mail address."), field=field) from exc


def _not_here(name: str) -> ActionError:
    return ActionError(_("This field cannot be changed here."), field=name)


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ActionError(_("This value has the wrong type."), field=name)
    value = " ".join(value.split())
    refusal = length_refusal(name, value)
    if refusal is not None:
        raise refusal
    return value


def clean_birth_date(value: Any) -> date | None:
    """The one birth-date rule: a date in the past, from 1900 on; empty is allowed."""
    if value is None:
        return None
    if not isinstance(value, date) or value >= timezone.localdate() or value.year < EARLIEST_BIRTH_YEAR:
        raise ActionError(_("Enter a birth date in the past."), field="birth_date")
    return value


def clean_detail(name: str, value: Any) -> Any:
    """Check and normalise one detail field; raise an ActionError naming it. The wizard's and
    the Manage SIM page's forms call this for each field, the actions for all of them."""
    if name not in DETAIL_FIELDS:
        raise _not_here(name)
    if name == "birth_date":
        return clean_birth_date(value)
    text = _text(name, value)
    if name == "email" and text:
        require_email(text, field=name)
        return text.lower()
    if name == "contact_phone" and text:
        try:
            return parse_mobile(text)
        except InvalidNumber as exc:
            raise ActionError(exc.message, field=name) from exc
    if name == "civility" and text and text not in Line.Civility.values:
        raise ActionError(_("Choose a civility from the list."), field=name)
    if name == "language" and text and text not in dict(settings.LANGUAGES):
        raise ActionError(_("Choose a language from the list."), field=name)
    return text


def clean_details(fields: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise detail fields; raise an ActionError naming the first bad field."""
    unknown = set(fields) - set(DETAIL_FIELDS)
    if unknown:
        raise _not_here(sorted(unknown)[0])
    return {name: clean_detail(name, value) for name, value in fields.items()}


def _is_own_line(actor: Actor, line: Line) -> bool:
    return actor.user is not None and line.user_id == actor.user.pk and actor.api_key is None


def _apply(actor: Actor, line: Line, changes: dict[str, Any], action: str, **extra: Any) -> Line:
    names = [*changes, *extra]
    before = line_snapshot(line, *names)
    bump([line], **changes, **extra)
    after = line_snapshot(line, *names)
    record(actor=actor, action=action, customer=line.customer, obj=line, before=before, after=after)
    return line


@transaction.atomic
def line_update_details(*, actor: Actor, line: Line, version: int | None = None, **fields: Any) -> Line:
    """Change user details and address (F-27). Once the employee confirmed their details, a
    manager may no longer change them (R-F1); the address stays the company's to edit."""
    require_fleet(actor, line.customer_id)
    cleaned = clean_details(fields)
    (locked,) = lock_lines([line], None if version is None else {line.pk: version})
    changes = {name: value for name, value in cleaned.items() if getattr(locked, name) != value}
    if locked.details_confirmed_at is not None and not actor.is_staff:
        personal = sorted(set(changes) & set(PERSONAL_FIELDS))
        if personal:
            raise PermissionDeniedError(
                _("The user confirmed these details on %(date)s: only they can change them now.")
                % {"date": date_label(timezone.localdate(locked.details_confirmed_at))}
            )
    if not changes:
        return locked
    return _apply(actor, locked, changes, "line.details_updated")


@transaction.atomic
def line_confirm_details(*, actor: Actor, line: Line, version: int | None = None, **fields: Any) -> Line:
    """The line's own user checks (and corrects) their details and confirms them (R-F1)."""
    if not _is_own_line(actor, line):
        raise PermissionDeniedError(_("Only the user of this line can confirm its details."))
    cleaned = clean_details(fields)
    (locked,) = lock_lines([line], None if version is None else {line.pk: version})
    changes = {name: value for name, value in cleaned.items() if getattr(locked, name) != value}
    return _apply(actor, locked, changes, "line.details_confirmed", details_confirmed_at=timezone.now())
