"""Money rules of an invoice: VAT by the customer's country, rounding per item, totals.

Every item is rounded on its own (ROUND_HALF_UP) to the currency's unit: the cent, or the
forint for HUF; an invoice's totals are sums of its rounded items, and its VAT is the rate
applied to that sum, rounded once. Amounts are in the contract's currency as the catalogue and
rating give them: the run converts nothing.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# VAT rates (%) by the customer's country (ISO 3166 alpha-2); a country missing here is an
# error for that billing account, never a guess.
VAT_RATES: dict[str, Decimal] = {
    "BE": Decimal(21),
    "HU": Decimal(27),
    "DE": Decimal(19),
    "NL": Decimal(21),
    "FR": Decimal(20),
    "LU": Decimal(17),
}

_UNITS = {"HUF": Decimal(1)}
CENT = Decimal("0.01")

# R-B3: a private invoice only when the personal part exceeds EUR 5 (the same order of size
# in forint for a HUF contract).
PRIVATE_MINIMUM: dict[str, Decimal] = {"EUR": Decimal(5), "HUF": Decimal(2000)}


def unit_of(currency: str) -> Decimal:
    return _UNITS.get(currency, CENT)


def rounded(value: Decimal, currency: str) -> Decimal:
    """`value` rounded half up to the currency's unit, with two decimals (as stored)."""
    return value.quantize(unit_of(currency), rounding=ROUND_HALF_UP).quantize(CENT)


def vat_rate(country: str) -> Decimal | None:
    return VAT_RATES.get((country or "").upper())


def totals(amounts: list[Decimal], rate: Decimal, currency: str) -> tuple[Decimal, Decimal, Decimal]:
    """(excl. VAT, VAT, incl. VAT) of rounded item amounts."""
    excl = sum(amounts, Decimal(0)).quantize(CENT)
    vat = rounded(excl * rate / 100, currency)
    return excl, vat, excl + vat


def private_minimum(currency: str) -> Decimal:
    return PRIVATE_MINIMUM.get(currency, PRIVATE_MINIMUM["EUR"])
