"""P6: 50 concurrent users for 60 s on loopback against the production shape (bin/prod-like).

Starts `bin/prod-like --background` (gunicorn gthread workers, PostgreSQL, Redis-backed Huey),
makes Django sessions for the demo's Acme managers and member and API keys for API clients
(the SMS second factor is the login's, not what P6 measures), runs locust headless with
bench/locust/portal_users.py, prints p50/p95/p99 per request type, errors and requests/s, and
stops the shape. Locust runs as one process: on two cores it takes CPU from the server.
Goal (QUALITY P6): p95 ≤ 300 ms, 0 errors.  Env: P6_USERS (50), P6_SECONDS (60).
"""

from __future__ import annotations

import csv
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USERS = int(os.environ.get("P6_USERS", "50"))
SECONDS = int(os.environ.get("P6_SECONDS", "60"))
PORT = os.environ.get("PORT", "8001")
SESSIONS = 10


def _prodlike_environment() -> dict[str, str]:
    """The variables bin/prod-like exported (var/prodlike/env), so setup uses its database and key."""
    env: dict[str, str] = {}
    for line in (ROOT / "var" / "prodlike" / "env").read_text().splitlines():
        for word in shlex.split(line.removeprefix("export ")):
            name, _, value = word.partition("=")
            env[name] = value
    return env


def _fixtures() -> dict[str, object]:
    """Sessions and API keys made in the prod-like database (runs in a child with its env)."""
    import django

    django.setup()
    from django.test import Client

    from fleetportal.accounts.api_keys import api_key_create
    from fleetportal.accounts.models import User
    from fleetportal.accounts.selectors import current_membership
    from fleetportal.core.actor import Actor
    from fleetportal.fleet.demo import MEMBER_NUMBER
    from fleetportal.fleet.models import Line

    def sessions(email: str) -> list[str]:
        user = User.objects.get(email=email)
        cookies = []
        for _ in range(SESSIONS):
            client = Client()
            client.force_login(user)
            cookies.append(client.cookies["sessionid"].value)
        return cookies

    manager = User.objects.get(email="manager@acme.example")
    membership = current_membership(manager, None)
    actor = Actor(user=manager, membership=membership, functions=frozenset(membership.functions))
    keys = [api_key_create(actor=actor, name=f"P6 load {n}", scopes=["read"])[1] for n in range(3)]
    member_line = Line.objects.get(msisdn=MEMBER_NUMBER)
    line_ids = list(Line.objects.filter(customer=member_line.customer).values_list("id", flat=True)[:2000:10])
    return {
        "manager_sessions": sessions("manager@acme.example"),
        "member_sessions": sessions("member@acme.example"),
        "member_line_id": member_line.id,
        "line_ids": line_ids,
        "api_keys": keys,
    }


def _report(stats_csv: Path) -> None:
    rows = list(csv.DictReader(stats_csv.open()))
    print(f"{'request':32} {'n':>6} {'err':>4} {'p50':>6} {'p95':>6} {'p99':>6}  ms")
    for row in rows:
        label = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        print(
            f"{label:32} {row['Request Count']:>6} {row['Failure Count']:>4} {row['50%']:>6} {row['95%']:>6} "
            f"{row['99%']:>6}"
        )
    total = rows[-1]
    verdict = "met" if float(total["95%"]) <= 300 and total["Failure Count"] == "0" else "NOT met"
    print(
        f"requests/s {float(total['Requests/s']):.1f}   errors {total['Failure Count']}"
        f"   goal p95 ≤ 300 ms, 0 errors: {verdict}"
    )


def main() -> None:
    subprocess.run([ROOT / "bin" / "prod-like", "--background"], check=True, env={**os.environ, "PORT": PORT})  # noqa: S603
    try:
        env = {**os.environ, **_prodlike_environment(), "DJANGO_SETTINGS_MODULE": "fleetportal.settings"}
        with tempfile.TemporaryDirectory(prefix="p6-") as tmp:
            fixtures = Path(tmp) / "fixtures.json"
            subprocess.run([sys.executable, __file__, "--fixtures", fixtures], check=True, env=env, cwd=ROOT)  # noqa: S603
            print(f"P6 load: {USERS} users for {SECONDS} s against http://127.0.0.1:{PORT}/ (one locust process)")
            subprocess.run(  # noqa: S603
                [
                    Path(sys.executable).with_name("locust"),
                    "-f",
                    ROOT / "bench" / "locust" / "portal_users.py",
                    "--headless",
                    "-u",
                    str(USERS),
                    "-r",
                    "10",
                    "-t",
                    f"{SECONDS}s",
                    "--only-summary",
                    "--host",
                    f"http://127.0.0.1:{PORT}",
                    "--csv",
                    Path(tmp) / "p6",
                    "--loglevel",
                    "WARNING",
                ],
                env={**os.environ, "P6_FIXTURES": str(fixtures)},
                stdout=subprocess.DEVNULL,
                check=False,  # locust exits 1 when a request failed: the report says so
            )
            _report(Path(tmp) / "p6_stats.csv")
    finally:
        subprocess.run([ROOT / "bin" / "prod-like", "--stop"], check=False)  # noqa: S603


if __name__ == "__main__":
    if "--fixtures" in sys.argv:
        sys.path.insert(0, str(ROOT))
        Path(sys.argv[sys.argv.index("--fixtures") + 1]).write_text(json.dumps(_fixtures()))
    else:
        main()
