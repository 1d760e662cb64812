"""Usage queries through the API (F-56, F-91): usage and counters per line, billing account and
company, per period; read with the `read`, `fleet` or `billing` scope."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["usage"])
