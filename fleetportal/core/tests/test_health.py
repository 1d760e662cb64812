"""GET /healthz for load balancers: the database answers and whether a worker beat recently
(a silent worker holds up the outbox, so it must be visible: R1)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from fleetportal.core import tasks

pytestmark = [pytest.mark.spec("R1"), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _no_heartbeat():
    HUEY.get("heartbeat")  # pops the beat another test may have left in the in-memory queue
    yield
    HUEY.get("heartbeat")


def test_healthz_answers_json_with_database_and_worker_state(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"database": "ok", "worker": "missing", "worker_last_beat": None}


def test_healthz_sees_a_recent_worker_beat(client) -> None:
    tasks.heartbeat.call_local()
    body = client.get("/healthz").json()
    assert body["worker"] == "ok"
    assert body["worker_last_beat"] is not None


def test_healthz_reports_a_silent_worker(client) -> None:
    HUEY.put("heartbeat", (timezone.now() - timedelta(minutes=4)).isoformat())
    response = client.get("/healthz")
    assert response.status_code == 200  # the web instance itself is healthy
    assert response.json()["worker"] == "missing"


def test_healthz_answers_503_when_the_database_is_down(client) -> None:
    with mock.patch("fleetportal.core.health.connection.cursor", side_effect=RuntimeError("database down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_healthz_survives_a_broken_queue(client) -> None:
    with mock.patch.object(HUEY, "get", side_effect=ConnectionError("redis down")):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] == "missing"


def test_healthz_needs_no_login_even_with_a_session_owing_a_code(client, manager) -> None:
    from fleetportal.core.tests.factories import PASSWORD

    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    assert client.get("/healthz").status_code == 200
