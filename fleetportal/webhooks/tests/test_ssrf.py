"""Outgoing requests never reach into the operator's network (F-92, SSRF): every address a
host resolves to is checked before connecting, the connection goes to the checked address, and
production sends over https only. No packet leaves for a refused address: the tests fail any
connection attempt."""

from __future__ import annotations

import socket

import pytest

from fleetportal.core.errors import ActionError
from fleetportal.fleet.actions.lifecycle import lines_suspend
from fleetportal.webhooks import transport
from fleetportal.webhooks.actions import clean_url, endpoint_create
from fleetportal.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.spec("F-92")

REFUSED = ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.64.0.1", "::1",
           "fe80::1", "fc00::5", "::ffff:127.0.0.1", "224.0.0.251", "0.0.0.0", "240.0.0.1"]  # fmt: skip  # noqa: S104


def _resolving_to(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET

    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(transport.socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def production(settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.WEBHOOKS_REQUIRE_HTTPS = True


@pytest.fixture
def no_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a connection was attempted to {args[0]}")

    monkeypatch.setattr(transport.socket, "create_connection", refuse)


@pytest.mark.parametrize("address", REFUSED)
def test_a_host_resolving_to_a_private_or_reserved_address_is_refused_before_connecting(
    address, endpoint, line, fleet_actor, deliver, production, no_connection, monkeypatch
):
    endpoint.url = "https://hooks.customer.example/fleet"
    endpoint.save()
    lines_suspend(actor=fleet_actor, lines=[line])
    _resolving_to(monkeypatch, address)

    assert deliver() == ["pending"]  # a failure like any other: retried, then dead-lettered
    row = WebhookDelivery.objects.get()
    assert "Refused" in row.last_error and "private or reserved" in row.last_error
    assert row.response_status is None


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_pass_the_check(address, production, monkeypatch):
    _resolving_to(monkeypatch, address)
    assert transport.addresses("hooks.customer.example", 443) == [address]


def test_any_refused_address_among_several_refuses_the_host(production, monkeypatch):
    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in ("93.184.215.14", "10.0.0.1")]

    monkeypatch.setattr(transport.socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(transport.Refused, match=r"10\.0\.0\.1"):
        transport.addresses("rebind.example", 443)


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://[::1]:8443/hook", "https://10.0.0.7/hook",
                                 "https://169.254.169.254/latest/meta-data"])  # fmt: skip
def test_registering_a_private_address_is_refused_naming_the_url(url, production, no_connection):
    with pytest.raises(ActionError) as refused:
        clean_url(url)
    assert refused.value.field == "url"
    assert "private or reserved network address" in str(refused.value.message)


def test_plain_http_is_refused_in_production_at_registration_and_at_sending(
    endpoint, production, fleet_actor, line, deliver, no_connection
):
    with pytest.raises(ActionError, match="must start with https://") as refused:
        endpoint_create(actor=fleet_actor, url="http://hooks.customer.example/x", events=["line.activated"])
    assert refused.value.field == "url"

    lines_suspend(actor=fleet_actor, lines=[line])  # the endpoint was made while http was allowed
    assert deliver() == ["pending"]
    assert "scheme 'http' is not allowed" in WebhookDelivery.objects.get().last_error


def test_the_connection_goes_to_the_checked_address_under_the_host_name(endpoint, receiver, line, fleet_actor,
                                                                           deliver, monkeypatch):  # fmt: skip
    port = receiver.url.split(":")[2].split("/")[0]
    endpoint.url = f"http://hooks.customer.example:{port}/fleet"
    endpoint.save()
    _resolving_to(monkeypatch, "127.0.0.1")  # allowed here (WEBHOOKS_ALLOW_PRIVATE, as in a lab)
    lines_suspend(actor=fleet_actor, lines=[line])
    assert deliver() == ["sent"]
    assert receiver.requests[0].headers["host"] == f"hooks.customer.example:{port}"
