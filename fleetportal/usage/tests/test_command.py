"""`manage.py usage_ingest FILE [--customer …]` (F-55)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line
from fleetportal.usage.models import IngestJob, UsageCounter, UsageRecord

from .conftest import csv_bytes, record

pytestmark = pytest.mark.django_db


@pytest.mark.spec("F-55", "R5")
def test_the_command_ingests_a_file_and_prints_its_counts(
    tmp_path: Path, lines: list[Line], customer: Customer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "usage.csv"
    path.write_bytes(csv_bytes([record(1), record(2, quantity="-2")]))
    call_command("usage_ingest", str(path), "--customer", customer.login_domain)
    out = capsys.readouterr().out
    assert "1 ingested, 0 duplicates, 1 bad" in out and "row 3: The quantity -2 is negative." in out
    call_command("usage_ingest", str(path))
    assert "0 ingested, 1 duplicates, 1 bad" in capsys.readouterr().out
    assert UsageRecord.objects.count() == 1
    assert IngestJob.objects.filter(source="command").count() == 2


@pytest.mark.spec("F-55", "R3")
def test_the_command_fails_clearly(tmp_path: Path, lines: list[Line]) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="The file is empty"):
        call_command("usage_ingest", str(empty))
    with pytest.raises(CommandError, match="no such customer"):
        call_command("usage_ingest", str(empty), "--customer", "nobody")
    with pytest.raises(CommandError, match="no such file"):
        call_command("usage_ingest", str(tmp_path / "missing.csv"))


@pytest.mark.spec("F-55")
def test_the_rating_command_re_rates_a_period(
    tmp_path: Path, lines: list[Line], customer: Customer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "usage.csv"
    path.write_bytes(csv_bytes([record(1), record(2, started_at="2026-04-01T08:00:00Z")]))
    call_command("usage_ingest", str(path))
    call_command("usage_rate", "--period", "2026-03", "--period", "2026-04", "--customer", customer.login_domain)
    assert "rated 2026-03, 2026-04: lines 1, group bundles 0, customers 1" in capsys.readouterr().out
    assert not UsageRecord.objects.filter(outcome="").exists()
    assert UsageCounter.objects.filter(line=lines[0]).count() == 2
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("usage_rate", "--period", "March")
