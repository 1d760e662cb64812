"""Locust users for P6: managers on the SIM overview, members on their line, API clients.

Sessions and API keys come from the setup step of bench/p6_load.py (a JSON file named by
P6_FIXTURES): the load test measures the pages, not the login with its SMS second factor.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

FIXTURES = json.loads(Path(os.environ["P6_FIXTURES"]).read_text())
SEARCHES = ["peeters", "0477 12", "janssens", "sales", "4781"]


class Manager(HttpUser):
    weight = 5
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", random.choice(FIXTURES["manager_sessions"]))  # noqa: S311

    @task(4)
    def overview(self) -> None:
        self.client.get("/fleet/lines/", name="manager: SIM overview")

    @task(3)
    def search(self) -> None:
        query = random.choice(SEARCHES)  # noqa: S311
        self.client.get("/fleet/lines/", params={"q": query, "sort": "-msisdn"}, name="manager: search")

    @task(3)
    def open_line(self) -> None:
        line = random.choice(FIXTURES["line_ids"])  # noqa: S311
        self.client.get(f"/fleet/lines/{line}/", name="manager: open line")

    @task(1)
    def export(self) -> None:
        query = random.choice(SEARCHES)  # noqa: S311
        self.client.get("/fleet/lines/export/", params={"q": query, "format": "csv"}, name="manager: export selection")


class Member(HttpUser):
    weight = 2
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", random.choice(FIXTURES["member_sessions"]))  # noqa: S311

    @task
    def own_line(self) -> None:
        self.client.get(f"/me/lines/{FIXTURES['member_line_id']}/", name="member: own line")


class ApiClient(HttpUser):
    weight = 3
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {random.choice(FIXTURES['api_keys'])}"  # noqa: S311

    @task
    def list_lines(self) -> None:
        offset = 50 * random.randint(0, 4)  # noqa: S311
        self.client.get("/api/v1/lines", params={"limit": 50, "offset": offset}, name="api: list lines")
