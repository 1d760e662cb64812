"""The alerts API (F-91): same actions, same audit, same errors as the pages."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["alerts"])
