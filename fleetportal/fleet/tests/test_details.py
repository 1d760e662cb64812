"""User details of a line (F-27): managers edit them until the user confirmed them (R-F1); the
user confirms (and corrects) their own; the address stays the company's to edit."""

from __future__ import annotations

from datetime import date

import pytest

from fleetportal.accounts.models import User
from fleetportal.conftest import make_actor
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent
from fleetportal.fleet.actions import line_confirm_details, line_update_details
from fleetportal.fleet.models import Line

pytestmark = pytest.mark.spec("F-27", "R-F1")


@pytest.fixture
def line(make_line, member: User) -> Line:
    return make_line(user=member, first_name="Mia", last_name="Maes", email="mia@acme.example")


def test_a_manager_edits_details_before_confirmation(manager_actor: Actor, line: Line) -> None:
    line_update_details(
        actor=manager_actor, line=line, first_name="Maria", contact_phone="0470 99 88 77", birth_date=date(1990, 5, 1)
    )
    line.refresh_from_db()
    assert (line.first_name, line.contact_phone, line.birth_date) == ("Maria", "+32470998877", date(1990, 5, 1))
    assert line.version == 2
    event = AuditEvent.objects.get(action="line.details_updated")
    assert event.before["first_name"] == "Mia" and event.after["first_name"] == "Maria"
    assert event.after["birth_date"] == "1990-05-01"


def test_after_the_user_confirmed_managers_are_refused(manager_actor: Actor, member: User, line: Line) -> None:
    line_confirm_details(actor=make_actor(member), line=line, last_name="Maes-Peeters")
    line.refresh_from_db()
    assert line.details_confirmed_at is not None and line.last_name == "Maes-Peeters"
    with pytest.raises(PermissionDeniedError) as refused:
        line_update_details(actor=manager_actor, line=line, first_name="Other")
    assert "only they can change them" in str(refused.value.message)
    line.refresh_from_db()
    assert line.first_name == "Mia"
    # The address is the company's: still editable; re-sending the same details is no change.
    line_update_details(actor=manager_actor, line=line, street="Kunstlaan 1", first_name="Mia")
    line.refresh_from_db()
    assert line.street == "Kunstlaan 1"


def test_staff_may_still_correct_confirmed_details(staff_actor: Actor, member: User, line: Line) -> None:
    line_confirm_details(actor=make_actor(member), line=line)
    line.refresh_from_db()
    line_update_details(actor=staff_actor, line=line, first_name="Maria")
    line.refresh_from_db()
    assert line.first_name == "Maria"


@pytest.mark.spec("S2")
def test_only_the_lines_own_user_confirms(manager_actor: Actor, line: Line, make_line, member: User) -> None:
    with pytest.raises(PermissionDeniedError):
        line_confirm_details(actor=manager_actor, line=line)
    someone_elses = make_line()
    with pytest.raises(PermissionDeniedError):
        line_confirm_details(actor=make_actor(member), line=someone_elses)
    with pytest.raises(PermissionDeniedError):  # members confirm, they do not manage
        line_update_details(actor=make_actor(member), line=line, first_name="X")
    assert not Line.objects.exclude(details_confirmed_at=None).exists()


@pytest.mark.spec("R3")
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "nope"}, "email"),
        ({"birth_date": date(2999, 1, 1)}, "birth_date"),
        ({"language": "tlh"}, "language"),
        ({"status": "stopped"}, "status"),  # not a detail: refused, not silently ignored
        ({"box": 12}, "box"),
    ],
)
def test_bad_details_name_the_field_and_change_nothing(manager_actor: Actor, line: Line, fields, field) -> None:
    with pytest.raises(ActionError) as refused:
        line_update_details(actor=manager_actor, line=line, **fields)
    assert refused.value.field == field
    line.refresh_from_db()
    assert line.version == 1 and line.status == Line.Status.ACTIVE


@pytest.mark.spec("R2")
def test_an_edit_built_on_an_old_version_is_refused(manager_actor: Actor, line: Line) -> None:
    line_update_details(actor=manager_actor, line=line, description="Sales", version=1)
    with pytest.raises(ActionError) as refused:
        line_update_details(actor=manager_actor, line=line, description="Support", version=1)
    assert refused.value.code == "conflict"
    line.refresh_from_db()
    assert line.description == "Sales"
