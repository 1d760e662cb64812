"""A real osmo-hlr for the tests: its own loopback address, config and database in a temporary
directory, killed and started again at will.

osmo-hlr 1.5 takes no CTRL or GSUP port in its config (4259, 4222; VTY 4258 likewise), so
each process gets a loopback address of its own in 127.0.0.0/8 that is free on those ports:
tests and other processes on the machine never meet.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from fleetportal.network.adapters.osmo_hlr.adapter import Hlr, OsmoHlrAdapter, Subscriber
from fleetportal.network.adapters.osmo_hlr.ctrl import CtrlClient
from fleetportal.network.models import ProvisioningRequest

CTRL_PORT, GSUP_PORT, VTY_PORT = 4259, 4222, 4258
STARTUP_SECONDS = 15

CONFIG = """\
log stderr
 logging level main notice
line vty
 bind {address}
ctrl
 bind {address}
hlr
 gsup
  bind ip {address}
"""


def _binary() -> str:
    path = shutil.which("osmo-hlr") or "/usr/bin/osmo-hlr"
    if not Path(path).exists():
        raise RuntimeError("osmo-hlr is not installed: `make test` installs it (apt package osmo-hlr)")
    return path


def _is_free(address: str) -> bool:
    for port in (CTRL_PORT, GSUP_PORT, VTY_PORT):
        with socket.socket() as probe:
            try:
                probe.bind((address, port))
            except OSError:
                return False
    return True


def free_loopback_address() -> str:
    rng = random.SystemRandom()
    for _ in range(50):
        address = f"127.{rng.randint(100, 250)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        if _is_free(address):
            return address
    raise RuntimeError("no free loopback address for osmo-hlr")


class OsmoHlrProcess:
    def __init__(self, workdir: Path) -> None:
        self.address = free_loopback_address()
        self.config = workdir / "osmo-hlr.cfg"
        self.database = workdir / "hlr.db"
        self.log = workdir / "osmo-hlr.log"
        self.config.write_text(CONFIG.format(address=self.address))
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            command = [_binary(), "-c", str(self.config), "-l", str(self.database)]
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                socket.create_connection((self.address, CTRL_PORT), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"osmo-hlr did not open its CTRL port:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL, as a crash would: no goodbye to open connections."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None

    def ctrl(self) -> CtrlClient:
        return CtrlClient(self.address, CTRL_PORT, timeout=5)

    def subscriber(self, selector: str) -> tuple[Subscriber, bool, bool] | None:
        """What the HLR holds `by-imsi-…` or `by-msisdn-…`: the record, CS on, PS on."""
        with self.ctrl() as ctrl:
            subscriber = Hlr(ctrl).find(selector)
            if subscriber is None:
                return None
            cs = ctrl.get(f"subscriber.{selector}.cs-enabled")
            ps = ctrl.get(f"subscriber.{selector}.ps-enabled")
        return subscriber, cs == "1", ps == "1"


class KillingAdapter(OsmoHlrAdapter):
    """The osmo-hlr adapter whose HLR dies after `survivors` requests of a batch went through."""

    process: OsmoHlrProcess | None = None
    survivors = 0

    def send(self, request: ProvisioningRequest) -> Callable[[], None]:
        cls = type(self)
        if cls.survivors == 0 and cls.process is not None:
            cls.process.kill()
        cls.survivors -= 1
        return super().send(request)
