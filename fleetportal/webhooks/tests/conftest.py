"""Webhook test fixtures on top of the shared ones (fleetportal/conftest.py).

_local_receivers   (autouse) lets deliveries reach the test receiver on 127.0.0.1 over http:
                   WEBHOOKS_ALLOW_PRIVATE on, WEBHOOKS_REQUIRE_HTTPS off. SSRF and https tests
                   set them back to the production values. No name is looked up in the DNS:
                   an address resolves to itself, any other name is unknown (tests that need
                   a name to resolve say to what).
receiver           an HTTP server in a thread on 127.0.0.1: `.url`, `.requests` (each with
                   `.headers` and `.body`), `.answers` (the statuses to give, in turn; 204 when
                   the list is empty), `.delay` (seconds before answering).
fleet_actor        the manager's Actor (a full manager: the fleet right).
endpoint           an endpoint of `customer` to `receiver.url` for line.suspended and
                   line.activated, made by the real action; its secret is `endpoint.secret`.
line               an ACTIVE line of `customer`.
deliver()          tries every due webhook delivery now; returns their new statuses.
make_due()         makes every pending delivery due now (as if its backoff had passed).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from fleetportal.accounts.models import User
from fleetportal.conftest import make_actor
from fleetportal.core import delivery
from fleetportal.core.actor import Actor
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.webhooks.actions import endpoint_create
from fleetportal.webhooks.models import CHANNEL, Endpoint, WebhookDelivery


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0


@pytest.fixture(autouse=True)
def _local_receivers(settings: object, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # type: ignore[attr-defined]
    settings.WEBHOOKS_REQUIRE_HTTPS = False  # type: ignore[attr-defined]
    real = socket.getaddrinfo

    def numeric_only(host: str, port: int | str | None, *args: Any, **kwargs: Any) -> Any:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "unknown in the tests") from None
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", numeric_only)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
            state.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            time.sleep(state.delay)
            self.send_response(state.answers.pop(0) if state.answers else 204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/fleet"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def fleet_actor(manager: User) -> Actor:
    return make_actor(manager)


@pytest.fixture
def endpoint(fleet_actor: Actor, receiver: Receiver) -> Endpoint:
    created, _secret = endpoint_create(
        actor=fleet_actor, url=receiver.url, events=["line.suspended", "line.activated"], description="ERP"
    )
    return created


@pytest.fixture
def line(customer: Customer) -> Line:
    return LineFactory.create(customer=customer)


def deliver_due() -> list[str | None]:
    return [delivery.deliver(CHANNEL, pk) for pk in delivery.due_ids(CHANNEL)]


def make_all_due() -> None:
    WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).update(next_attempt_at=timezone.now())


@pytest.fixture
def deliver(db: None) -> Callable[[], list[str | None]]:
    return deliver_due


@pytest.fixture
def make_due(db: None) -> Callable[[], None]:
    return make_all_due
