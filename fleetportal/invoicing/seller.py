"""The operator as the seller on invoices and e-invoices, from the OPERATOR_* settings."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Seller:
    name: str
    vat_number: str
    street: str
    postcode: str
    city: str
    country: str
    iban: str
    bic: str
    email: str
    creditor_id: str


def seller() -> Seller:
    return Seller(
        name=settings.OPERATOR_NAME,
        vat_number=settings.OPERATOR_VAT_NUMBER,
        street=settings.OPERATOR_STREET,
        postcode=settings.OPERATOR_POSTCODE,
        city=settings.OPERATOR_CITY,
        country=settings.OPERATOR_COUNTRY,
        iban=settings.OPERATOR_IBAN,
        bic=settings.OPERATOR_BIC,
        email=settings.OPERATOR_EMAIL,
        creditor_id=settings.OPERATOR_SEPA_CREDITOR_ID,
    )
