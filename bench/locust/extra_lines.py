"""Adds N lines for Acme to the prod-like database (the bench's own generator, bench/harness)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(BENCH.parent), str(BENCH)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleetportal.settings")

if __name__ == "__main__":
    import django

    django.setup()
    import harness

    harness.big_fleet(int(sys.argv[1]))
