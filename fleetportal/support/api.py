"""The tickets API (F-70)."""

from ninja import Router

router = Router(tags=["tickets"])
