"""A valid order's fields (the seeds' example address), for the tests to spoil one at a time."""

from __future__ import annotations

from typing import Any

import pytest

ADDRESS = {
    "country": "BE",
    "postal_code": "2050",
    "locality": "Antwerpen",
    "street": "Katwilgweg",
    "number": "2",
    "suffix": "",
    "box": "",
}


def order_fields(**changes: Any) -> dict[str, Any]:
    return {"quantity": 20, "kind": "physical", **ADDRESS, "message": "", **changes}


@pytest.fixture
def fields() -> Any:
    return order_fields
