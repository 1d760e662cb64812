"""The osmo-hlr adapter against a real osmo-hlr process (F-94, R4): the portal's actions change
the line, the workers provision it, and the HLR, read back over CTRL, holds what the portal says."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fleetportal.core.actor import Actor
from fleetportal.core.models import Customer
from fleetportal.fleet.actions import (
    line_activate,
    line_blocks_set,
    lines_reactivate,
    lines_stop,
    lines_suspend,
    provisioning_retry,
    sim_swap,
)
from fleetportal.fleet.actions.common import today
from fleetportal.fleet.models import Line
from fleetportal.fleet.provisioning import request_provisioning
from fleetportal.fleet.tests.factories import LineFactory, SimCardFactory
from fleetportal.network.adapters.osmo_hlr.adapter import OsmoHlrAdapter, Subscriber, hlr_msisdn, services_wanted
from fleetportal.network.adapters.osmo_hlr.ctrl import IPA_EXT_CTRL, IPA_PROTO_OSMO, CtrlClient, CtrlRefused
from fleetportal.network.models import ProvisioningRequest

from .hlr_process import CTRL_PORT, KillingAdapter, OsmoHlrProcess

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-94", "R4")]

Status = ProvisioningRequest.Status
State = Line.NetworkState


@pytest.fixture
def hlr(tmp_path: Path, settings) -> Iterator[OsmoHlrProcess]:  # type: ignore[no-untyped-def]
    """A running osmo-hlr, and the portal pointed at it."""
    process = OsmoHlrProcess(tmp_path)
    process.start()
    settings.NETWORK_ADAPTER = "osmo_hlr"
    settings.OSMO_HLR_CTRL_HOST, settings.OSMO_HLR_CTRL_PORT = process.address, CTRL_PORT
    yield process
    process.kill()


@pytest.fixture
def fleet_manager(manager, actor_for) -> Actor:  # type: ignore[no-untyped-def]
    return actor_for(manager)


def pending_line(customer: Customer, **fields: object) -> Line:
    return LineFactory.create(customer=customer, status=Line.Status.PENDING, **fields)


def network_state(line: Line) -> str:
    line.refresh_from_db()
    return line.network_state


def last_request(line: Line) -> ProvisioningRequest:
    return ProvisioningRequest.objects.filter(line=line).order_by("-pk")[0]


def assert_hlr_holds(hlr: OsmoHlrProcess, line: Line, *, cs: bool, ps: bool) -> None:
    """The HLR's subscriber for the line's SIM holds its number, with CS/PS as given, and the
    portal shows the line in sync."""
    line.refresh_from_db()
    assert line.sim is not None
    assert hlr.subscriber(f"by-imsi-{line.sim.imsi}") == (Subscriber(line.sim.imsi, hlr_msisdn(line.msisdn)), cs, ps)
    assert last_request(line).status == Status.DONE
    assert line.network_state == State.IN_SYNC


def test_a_line_lives_and_ends_in_the_hlr(hlr, customer, fleet_manager, worker) -> None:
    line = pending_line(customer)
    assert line.sim is not None
    old_imsi = line.sim.imsi
    assert hlr.subscriber(f"by-imsi-{old_imsi}") is None

    with worker():
        line_activate(actor=fleet_manager, lines=[line], on=today())
    assert_hlr_holds(hlr, line, cs=True, ps=True)

    with worker():
        line_blocks_set(actor=fleet_manager, line=line, services=["data", "roaming_all"])
    assert_hlr_holds(hlr, line, cs=True, ps=False)  # roaming: recorded as applied, nothing in the HLR

    with worker():
        lines_suspend(actor=fleet_manager, lines=[line])
    assert_hlr_holds(hlr, line, cs=False, ps=False)

    with worker():
        lines_reactivate(actor=fleet_manager, lines=[line])
    assert_hlr_holds(hlr, line, cs=True, ps=False)  # data is still blocked

    with worker():
        request_provisioning(lines=[line], operation="plan", payload={"plan": "pro"})
    assert_hlr_holds(hlr, line, cs=True, ps=False)  # a plan is nothing the HLR holds

    new_sim = SimCardFactory.create(customer=customer)
    with worker():
        sim_swap(actor=fleet_manager, line=line, new_iccid=new_sim.iccid)
    assert_hlr_holds(hlr, line, cs=True, ps=False)
    assert line.sim.imsi == new_sim.imsi
    assert hlr.subscriber(f"by-imsi-{old_imsi}") is None

    with worker():
        lines_stop(actor=fleet_manager, lines=[line])
    assert last_request(line).status == Status.DONE
    assert network_state(line) == State.IN_SYNC
    assert hlr.subscriber(f"by-imsi-{new_sim.imsi}") is None
    assert hlr.subscriber(f"by-msisdn-{hlr_msisdn(line.msisdn)}") is None


def test_a_port_in_gives_the_subscriber_the_ported_number(hlr, customer, fleet_manager, worker) -> None:
    line = pending_line(customer, msisdn="+32470123456", donor_operator="Other Mobile", donor_account="A-1")
    with worker():
        line_activate(actor=fleet_manager, lines=[line], on=today())
    assert last_request(line).operation == "port_in"
    assert_hlr_holds(hlr, line, cs=True, ps=True)
    assert line.status == Line.Status.ACTIVE  # the network's answer completed the port-in


def test_a_request_sent_again_changes_nothing(hlr, customer, fleet_manager, worker) -> None:
    """A worker killed after the HLR applied a request, before the portal noted it, sends it again
    (same idempotency key): creating what exists, deleting what is gone, are no-ops."""
    line = pending_line(customer)
    with worker():
        line_activate(actor=fleet_manager, lines=[line], on=today())
    line.refresh_from_db()
    new_sim = SimCardFactory.create(customer=customer)
    with worker():
        sim_swap(actor=fleet_manager, line=line, new_iccid=new_sim.iccid)
    for operation in ("activate", "swap"):
        request = ProvisioningRequest.objects.get(line=line, operation=operation)
        OsmoHlrAdapter().send(request)
    assert hlr.subscriber(f"by-imsi-{new_sim.imsi}") == (Subscriber(new_sim.imsi, hlr_msisdn(line.msisdn)), True, True)


def test_an_imsi_holding_another_number_is_refused(hlr, customer, fleet_manager, worker) -> None:
    line = pending_line(customer)
    assert line.sim is not None
    with hlr.ctrl() as ctrl:
        ctrl.set("subscriber.create", line.sim.imsi)
        ctrl.set(f"subscriber.by-imsi-{line.sim.imsi}.msisdn", "32499999999")
    with worker():
        line_activate(actor=fleet_manager, lines=[line], on=today())
    request = last_request(line)
    assert request.status == Status.FAILED and "already holds the number 32499999999" in request.error
    assert network_state(line) == State.FAILED
    assert hlr.subscriber(f"by-imsi-{line.sim.imsi}") == (Subscriber(line.sim.imsi, "32499999999"), True, True)


def test_hlr_killed_mid_batch_fails_the_rest_and_a_retry_converges(
    hlr, customer, fleet_manager, worker, settings, monkeypatch
) -> None:
    lines = [pending_line(customer) for _ in range(4)]
    with worker():
        line_activate(actor=fleet_manager, lines=lines, on=today())
    for line in lines:
        line.refresh_from_db()
    settings.NETWORK_MAX_ATTEMPTS = 1  # no backoff retries: the failure shows at once
    settings.NETWORK_ADAPTER = f"{KillingAdapter.__module__}.KillingAdapter"
    monkeypatch.setattr(KillingAdapter, "process", hlr)
    monkeypatch.setattr(KillingAdapter, "survivors", 2)

    with worker():
        lines_suspend(actor=fleet_manager, lines=lines)
    states = [network_state(line) for line in lines]
    assert states.count(State.IN_SYNC) == 2 and states.count(State.FAILED) == 2
    failed = [line for line in lines if line.network_state == State.FAILED]
    assert all("osmo-hlr CTRL" in last_request(line).error for line in failed)
    assert all(line.status == Line.Status.SUSPENDED for line in lines)  # the portal's change stands

    hlr.start()  # the same database: what was applied before the crash is still there
    for line in lines:
        held = hlr.subscriber(f"by-msisdn-{hlr_msisdn(line.msisdn)}")
        assert held is not None and held[1:] == ((False, False) if line not in failed else (True, True))

    settings.NETWORK_ADAPTER = "osmo_hlr"
    with worker():
        for line in failed:
            provisioning_retry(actor=fleet_manager, line=line)
    for line in lines:
        assert_hlr_holds(hlr, line, cs=False, ps=False)


def test_unreachable_hlr_leaves_the_request_to_retry(hlr, customer, fleet_manager, worker) -> None:
    line = pending_line(customer)
    hlr.kill()
    with worker():
        line_activate(actor=fleet_manager, lines=[line], on=today())
    request = last_request(line)
    assert (request.status, request.attempts) == (Status.PENDING, 1)  # backoff, then again
    assert "NetworkError" in request.error and network_state(line) == State.PENDING


@pytest.mark.parametrize(
    ("status", "blocks", "wanted"),
    [
        ("active", set(), (True, True)),
        ("active", {"all"}, (False, False)),
        ("active", {"data"}, (True, False)),
        ("active", {"calls_in", "calls_out", "sms_in", "sms_out"}, (False, True)),
        ("active", {"calls_out", "sms_out"}, (True, True)),  # a part of CS: not expressible
        ("active", {"roaming_all", "international", "mms", "roaming_data"}, (True, True)),
        ("porting", {"data"}, (True, False)),
        ("suspended", set(), (False, False)),
    ],
)
def test_blocks_and_status_map_to_cs_and_ps(status: str, blocks: set[str], wanted: tuple[bool, bool]) -> None:
    assert services_wanted(status, blocks) == wanted


def test_ctrl_client_skips_traps_and_frames_of_other_protocols() -> None:
    """osmo-hlr may send TRAPs (or IPA frames of another protocol) before the answer."""
    server = socket.create_server(("127.0.0.1", 0))

    def frame(text: str, proto: int = IPA_PROTO_OSMO) -> bytes:
        body = bytes([IPA_EXT_CTRL]) + text.encode()
        return struct.pack(">HB", len(body), proto) + body

    def answer() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(1024)
            connection.sendall(frame("TRAP 0 subscriber.x 1") + frame("PING", proto=0xFE))
            connection.sendall(frame("GET_REPLY 1 subscriber.by-imsi-1.cs-enabled 1"))
            connection.recv(1024)
            connection.sendall(frame("ERROR 2 No such subscriber."))

    thread = threading.Thread(target=answer)
    thread.start()
    with server, CtrlClient("127.0.0.1", server.getsockname()[1], timeout=5) as ctrl:
        assert ctrl.get("subscriber.by-imsi-1.cs-enabled") == "1"
        with pytest.raises(CtrlRefused) as refused:
            ctrl.get("subscriber.by-imsi-2.info")
    thread.join()
    assert refused.value.reason == "No such subscriber."
