"""The blank cards a delivered order puts in the customer's stock: numbers by the operator's
convention (as the demo's and the operator's stock), secrets drawn at random.

ICCID (ITU-T E.118): "89", the delivery country's calling code, the issuer range "05" kept for
ordered cards, a 12-digit serial and the Luhn digit (19 digits). IMSI: the home network's MCC and
MNC, then "5" and a 9-digit serial. The serial is the order's id × 1000 + the card's place in
it (an order holds at most 1000 cards), so two deliveries never draw the same numbers and no
counter needs a lock."""

from __future__ import annotations

import secrets

from fleetportal.core.models import Customer
from fleetportal.fleet.iccid import luhn_check_digit
from fleetportal.fleet.models import SimCard

from .rules import MAX_QUANTITY

ISSUER = "05"
IMSI_RANGE = "5"
# Delivery country → (ICCID country prefix, home network MCC+MNC).
NETWORKS = {"BE": ("8932", "20601"), "HU": ("8936", "21630")}
SMDP = "smdp.operator.example"


def serial(order_id: int, position: int) -> int:
    return order_id * MAX_QUANTITY + position


def blank_card(*, customer: Customer, kind: str, country: str, serial: int) -> SimCard:
    """One blank card (not saved) of `kind` for `customer`'s stock."""
    iccid_prefix, network = NETWORKS[country]
    body = f"{iccid_prefix}{ISSUER}{serial:012d}"
    iccid = body + luhn_check_digit(body)
    esim = kind == SimCard.Kind.ESIM
    return SimCard(
        iccid=iccid,
        kind=kind,
        status=SimCard.Status.BLANK,
        customer=customer,
        imsi=f"{network}{IMSI_RANGE}{serial:09d}",
        pin=f"{secrets.randbelow(10**4):04d}",
        puk=f"{secrets.randbelow(10**8):08d}",
        activation_code=f"LPA:1${SMDP}${iccid[-12:]}" if esim else "",
    )


def blank_cards(*, customer: Customer, kind: str, country: str, order_id: int, quantity: int) -> list[SimCard]:
    return [
        blank_card(customer=customer, kind=kind, country=country, serial=serial(order_id, n)) for n in range(quantity)
    ]
