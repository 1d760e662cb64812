"""Who sees usage (F-56, S1, S2): managers with the fleet or billing right their customer's
records, members their own line's, a phone-number login its number's; another customer nothing
(its job ids 404); ingesting is for staff and fleet managers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import Http404

from fleetportal.accounts.models import Function, Membership, User
from fleetportal.conftest import make_actor
from fleetportal.core.actor import Actor
from fleetportal.core.errors import PermissionDeniedError
from fleetportal.fleet.models import Line
from fleetportal.usage.actions import usage_job_create
from fleetportal.usage.models import IngestJob
from fleetportal.usage.selectors import ingest_job_for, ingest_jobs_for, usage_records_for

from .conftest import MEMBER_NUMBER, csv_bytes, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingested(ingest: Callable[..., IngestJob], lines: list[Line], other_line: Line) -> IngestJob:
    rows = [record(1), record(2, number=lines[1].msisdn), record(3, number=other_line.msisdn)]
    return ingest(csv_bytes(rows))


def seen(actor: Actor) -> set[str]:
    return set(usage_records_for(actor).values_list("record_id", flat=True))


@pytest.mark.spec("F-56", "S1", "S2")
def test_role_matrix_of_usage_records(
    ingested: IngestJob, holder: User, manager: User, billing_manager: User, member: User, staff: User,
    other_holder: User, other_member: User,
) -> None:  # fmt: skip
    membership = member.memberships.get()
    number_login = Actor(user=member, membership=membership, number=MEMBER_NUMBER)
    other_number = Actor(user=member, membership=membership, number="+32470100002")
    assert seen(make_actor(holder)) == {"R1", "R2"}
    assert seen(make_actor(manager)) == {"R1", "R2"}
    assert seen(make_actor(billing_manager)) == {"R1", "R2"}  # billing right reads usage too
    assert seen(make_actor(member)) == {"R1"}  # their own line only
    assert seen(number_login) == {"R1"}
    assert seen(other_number) == {"R2"}
    assert seen(make_actor(staff)) == {"R1", "R2", "R3"}
    assert seen(make_actor(other_holder)) == {"R3"}
    assert seen(make_actor(other_member)) == set()


@pytest.mark.spec("F-56", "S2")
def test_a_manager_without_fleet_or_billing_right_sees_only_their_own(ingested: IngestJob, manager: User) -> None:
    Membership.objects.filter(user=manager).update(functions=[Function.USERS])
    assert seen(make_actor(manager)) == set()


@pytest.mark.spec("F-55", "S1", "S2")
def test_ingest_jobs_are_for_staff_and_the_customer_s_fleet_managers(
    ingested: IngestJob, manager: User, member: User, staff: User, other_holder: User
) -> None:
    mine = usage_job_create(actor=make_actor(manager), source="api", file_name="a.csv")
    assert mine.customer == manager.memberships.get().customer
    assert list(ingest_jobs_for(make_actor(manager))) == [mine]  # the operator-wide job is staff's
    assert set(ingest_jobs_for(make_actor(staff))) == {mine, ingested}
    assert ingest_job_for(make_actor(manager), mine.pk) == mine
    with pytest.raises(Http404):
        ingest_job_for(make_actor(other_holder), mine.pk)
    with pytest.raises(Http404):
        ingest_job_for(make_actor(member), mine.pk)
    with pytest.raises(PermissionDeniedError):
        usage_job_create(actor=make_actor(member), source="api", file_name="a.csv")


@pytest.mark.spec("F-55", "S1")
def test_a_customer_field_is_ignored_for_a_customer_s_actor(manager: User, other_holder: User) -> None:
    other = other_holder.memberships.get().customer
    job = usage_job_create(actor=make_actor(manager), source="api", file_name="a.csv", customer=other)
    assert job.customer == manager.memberships.get().customer
