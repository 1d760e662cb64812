"""R1 with real worker processes. A worker process is SIGKILLed while the SMS gateway holds its request;
the message stays pending under the dead worker's lease, and once the lease has run out the
sweep of another process sends it again with the same idempotency key, so the gateway (which
deduplicates by key) delivers it once. Runs on its own SQLite file, since the test database
lives in this process's memory."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.spec("R1")

SEND = """
from django.conf import settings
from django.db import transaction
from fleetportal.notifications import outbox
settings.SMS_GATEWAY, settings.SMS_GATEWAY_URL = "http", {url!r}
with transaction.atomic():
    outbox.send_sms(to="+32470999001", template="accounts/sms/code",
                    context={{"code": "123456", "purpose": "test", "minutes": 5}}, language="en")
"""
SWEEP = """
from django.conf import settings
from fleetportal.core import delivery
settings.SMS_GATEWAY, settings.SMS_GATEWAY_URL = "http", {url!r}
print(delivery.sweep())
"""


class Gateway(ThreadingHTTPServer):
    """An SMS gateway that holds the first request until the test is done, answers the rest."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.keys: list[str] = []
        self.first_arrived = threading.Event()
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/send"


class GatewayHandler(BaseHTTPRequestHandler):
    server: Gateway

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.keys.append(self.headers.get("Idempotency-Key", ""))
        if len(self.server.keys) == 1:
            self.server.first_arrived.set()
            self.server.release.wait(30)  # the worker is killed, or overtaken, meanwhile
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "worker.sqlite3"
    run("migrate", "-v0", database=path)
    return path


def env_for(database: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "fleetportal.settings_test",
        **extra,
    }


def run(*args: str, database: Path) -> str:
    done = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env_for(database),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def outbox_row(database: Path, columns: str = "status, attempts, idempotency_key") -> tuple:
    with sqlite3.connect(database) as connection:
        return connection.execute(f"SELECT {columns} FROM notifications_outboxmessage").fetchone()  # noqa: S608


def test_sms_of_a_worker_killed_mid_send_is_sent_again_with_the_same_key(gateway: Gateway, database: Path) -> None:
    worker = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SEND.format(url=gateway.url)],
        cwd=settings.BASE_DIR,
        env=env_for(database),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert gateway.first_arrived.wait(60), "the worker never reached the gateway"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    status, attempts, key = outbox_row(database)
    assert (status, attempts) == ("pending", 1)  # claimed by the dead worker, not lost

    assert (
        run("shell", "--no-imports", "-c", SWEEP.format(url=gateway.url), database=database).strip() == "0"
    )  # still leased
    with sqlite3.connect(database) as connection:  # the lease runs out
        connection.execute("UPDATE notifications_outboxmessage SET next_attempt_at = '2000-01-01 00:00:00'")
    assert run("shell", "--no-imports", "-c", SWEEP.format(url=gateway.url), database=database).strip() == "1"

    status, attempts, _key = outbox_row(database)
    assert (status, attempts) == ("sent", 2)
    assert gateway.keys == [key, key]  # the same key both times: the gateway delivers it once
    assert (
        run("shell", "--no-imports", "-c", SWEEP.format(url=gateway.url), database=database).strip() == "0"
    )  # never again
    assert len(gateway.keys) == 2


def test_a_worker_overtaken_after_its_lease_cannot_overwrite_the_outcome(gateway: Gateway, database: Path) -> None:
    """The first worker's send outlasts its lease; a second worker takes the message over and
    sends it; the first one's late outcome is dropped (one "sent" transition)."""
    slow = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SEND.format(url=gateway.url)],
        cwd=settings.BASE_DIR,
        env=env_for(database, OUTBOX_LEASE_SECONDS="1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert gateway.first_arrived.wait(60), "the worker never reached the gateway"
        time.sleep(1.5)  # its lease runs out while the gateway still holds the request
        assert run("shell", "--no-imports", "-c", SWEEP.format(url=gateway.url), database=database).strip() == "1"
        taken_over = outbox_row(database, "status, attempts, sent_at, last_error")
        assert taken_over[:2] == ("sent", 2)
    finally:
        gateway.release.set()  # the slow worker's request now succeeds too, late
        _out, errors = slow.communicate(timeout=60)
    assert slow.returncode == 0
    assert outbox_row(database, "status, attempts, sent_at, last_error") == taken_over  # not overwritten
    assert "lease lost to another worker" in errors
