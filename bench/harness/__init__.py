"""What every benchmark shares: a throw-away database, the demo's customers with a big fleet,
a logged-in test client, and figures printed side by side.

A benchmark script calls `run(main)`: run directly, it runs `main` on a fresh SQLite file and,
when DATABASE_URL names a PostgreSQL server, once more on a database created there for the run
and dropped after it (never the demo's own database). Each backend runs in its own process,
so Django is set up once per database.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BACKEND_FLAG = "--backend"


def run(main: Callable[[str], None]) -> None:
    """Run `main(backend)` on SQLite, then on PostgreSQL when DATABASE_URL is set."""
    if BACKEND_FLAG in sys.argv:
        backend = sys.argv[sys.argv.index(BACKEND_FLAG) + 1]
        with _database(backend):
            main(backend)
        return
    backends = ["sqlite"]
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        backends.append("postgresql")
    for backend in backends:
        subprocess.run([sys.executable, os.path.abspath(sys.argv[0]), BACKEND_FLAG, backend], check=True, cwd=ROOT)  # noqa: S603


@contextmanager
def _database(backend: str) -> Iterator[None]:
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="fleetportal-bench-") as tmp:
        os.environ["DJANGO_SETTINGS_MODULE"] = "fleetportal.settings_test"  # jobs in memory, no worker
        os.environ["HUEY_SQLITE_PATH"] = str(Path(tmp) / "huey.sqlite3")
        os.environ["MEDIA_ROOT"] = str(Path(tmp) / "media")
        if backend == "sqlite":
            os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            with _django():
                yield
            return
        server = os.environ["DATABASE_URL"]
        name = f"fleetportal_bench_{os.getpid()}"
        _admin(server, f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
        try:
            with _django():
                yield
        finally:
            _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(server: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


@contextmanager
def _django() -> Iterator[None]:
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    call_command("migrate", verbosity=0)
    try:
        yield
    finally:
        connections.close_all()


def big_fleet(lines: int) -> tuple[Any, Any]:
    """The demo (catalogue, Acme, its manager) plus `lines` more lines for Acme in batches of
    10,000 (each batch its own number range and card serials). Returns (customer, manager)."""
    from django.db import connection

    from fleetportal.accounts.models import User
    from fleetportal.core.models import Customer
    from fleetportal.demo import data as demo
    from fleetportal.fleet.demo import ACME, build_fleet

    started = time.perf_counter()
    demo.load()
    acme = Customer.objects.get(login_domain="acme")
    batch = 10_000
    for n in range(0, lines, batch):
        k = n // batch  # up to 10 batches: +32 477…, +32 478…, +32 479…, +32 480…
        fleet = replace(
            ACME,
            seed=100 + k,
            lines=min(batch, lines - n),
            msisdn_prefix=f"+324{77 + k}",
            iccid_prefix=f"89321{k}",
            imsi_prefix=f"2061{k}",
            blank_sims=0,
        )
        build_fleet(acme, fleet)
    with connection.cursor() as cursor:  # planner statistics, as a database in use has them
        cursor.execute("ANALYZE")
    print(f"  data: the demo + {lines:,} lines for Acme in {time.perf_counter() - started:.1f} s")
    return acme, User.objects.get(email="manager@acme.example")


def client_for(user: object) -> object:
    from django.test import Client

    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed_pair(first: Callable[[], object], second: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Seconds per call of each, calls interleaved so that a busy moment of the machine (other
    processes share its two cores) slows both alike."""
    first(), second()  # warm caches
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for function, spent in zip((first, second), times, strict=True):
            started = time.perf_counter()
            function()
            spent.append(time.perf_counter() - started)
    return times


def summary(times: list[float]) -> str:
    return (
        f"p50 {statistics.median(times) * 1000:7.2f} ms   p95 {percentile(times, 0.95) * 1000:7.2f} ms"
        f"   (n={len(times)})"
    )
