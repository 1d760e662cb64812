"""An invoice item while a run computes it, before it is stored (`InvoiceItem`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from .models import InvoiceItem

Kind = InvoiceItem.Kind


@dataclass(frozen=True)
class Item:
    kind: str
    line_id: int | None
    description: str
    amount: Decimal  # rounded
    quantity: Decimal = Decimal(1)
    unit: str = ""
    unit_price: Decimal = Decimal(0)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    # For usage: the records' kind and zone (what a split-bill profile covers).
    usage_kind: str = ""
    zone: str = ""

    def part(self, amount: Decimal) -> Item:
        """This item for a part of its amount (split bill), its quantity in proportion."""
        if amount == self.amount:
            return self
        share = amount / self.amount if self.amount else Decimal(0)
        return replace(self, amount=amount, quantity=(self.quantity * share).quantize(Decimal("0.0001")))

    def as_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "description": self.description,
            "quantity": str(self.quantity),
            "unit": self.unit,
            "unit_price": str(self.unit_price),
            "amount": str(self.amount),
        }

    @classmethod
    def from_json(cls, data: dict[str, str], line_id: int, starts_on: dt.date, ends_on: dt.date) -> Item:
        return cls(
            kind=data["kind"],
            line_id=line_id,
            description=data["description"],
            amount=Decimal(data["amount"]),
            quantity=Decimal(data["quantity"]),
            unit=data["unit"],
            unit_price=Decimal(data["unit_price"]),
            starts_on=starts_on,
            ends_on=ends_on,
        )
