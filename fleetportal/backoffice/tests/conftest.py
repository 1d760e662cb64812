"""The back office's staff logins: `operator_admin` (may change everything) and
`support_agent` (works tickets, reads), both without a mobile number (no SMS step)."""

from __future__ import annotations

import pytest

from fleetportal.accounts.models import StaffRole, User
from fleetportal.core.tests.factories import StaffFactory


@pytest.fixture
def operator_admin(db: None) -> User:
    return StaffFactory.create(email="admin@operator.example", staff_role=StaffRole.OPERATOR_ADMIN)


@pytest.fixture
def support_agent(db: None) -> User:
    return StaffFactory.create(email="agent@operator.example", staff_role=StaffRole.SUPPORT_AGENT)
