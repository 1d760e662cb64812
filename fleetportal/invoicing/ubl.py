"""An invoice as a UBL 2.1 e-invoice following Peppol BIS Billing 3.0 (F-60; Belgian B2B
structured e-invoicing from 2026), written with the standard library's ElementTree.

An invoice is a UBL `Invoice` (type 380), a credit note a `CreditNote` (381) naming the invoice
it corrects; UBL wants a credit note's amounts positive, so its (negative) stored amounts are
turned round. The seller is the operator (settings OPERATOR_*), the buyer the customer with its
VAT number (the employee, by e-mail address, on a private invoice). Payment: 30 (credit
transfer) with the Belgian structured communication as payment id, or 49 (direct debit) with
the mandate. One VAT category, S at the invoice's rate. Each item is one line of quantity 1 at
its rounded amount, so line, price and totals agree to the cent as BIS's rules check (the
item's own quantity stays in its name); a negative item (a correction) has quantity -1.
Element order follows the UBL 2.1 schemas, which the tests validate against.
"""

from __future__ import annotations

import calendar
import datetime as dt
import threading
from decimal import Decimal
from xml.etree import ElementTree as ET

from .mandates import active_mandate
from .models import Invoice, InvoiceItem
from .seller import Seller, seller

NS = {
    "": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE_TYPE = "380"
CREDIT_NOTE_TYPE = "381"
TRANSFER = "30"
DIRECT_DEBIT = "49"
VAT_CATEGORY = "S"
UNIT = "C62"  # "one": each item is one line of quantity 1
# Peppol electronic address schemes (EAS) of a VAT number by the party's country.
VAT_SCHEMES = {"BE": "9925", "HU": "9910", "DE": "9930", "NL": "9944", "FR": "9957", "LU": "9938"}
EMAIL_SCHEME = "EM"

_DEFAULT_NAMESPACE = threading.Lock()
ET.register_namespace("cac", NS["cac"])
ET.register_namespace("cbc", NS["cbc"])


def _cbc(parent: ET.Element, name: str, text: object, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NS['cbc']}}}{name}", attributes)
    element.text = str(text)
    return element


def _cac(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{NS['cac']}}}{name}")


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _tax_scheme(parent: ET.Element) -> None:
    _cbc(_cac(parent, "TaxScheme"), "ID", "VAT")


def _party(
    parent: ET.Element,
    *,
    name: str,
    vat_number: str,
    email: str,
    country: str,
    street: str,
    city: str,
    postcode: str = "",
) -> None:
    party = _cac(parent, "Party")
    if vat_number:
        _cbc(party, "EndpointID", vat_number, schemeID=VAT_SCHEMES.get(vat_number[:2].upper(), VAT_SCHEMES["BE"]))
    else:
        _cbc(party, "EndpointID", email, schemeID=EMAIL_SCHEME)
    _cbc(_cac(party, "PartyName"), "Name", name)
    address = _cac(party, "PostalAddress")
    if street:
        _cbc(address, "StreetName", street)
    if city:
        _cbc(address, "CityName", city)
    if postcode:
        _cbc(address, "PostalZone", postcode)
    _cbc(_cac(address, "Country"), "IdentificationCode", country)
    if vat_number:
        tax = _cac(party, "PartyTaxScheme")
        _cbc(tax, "CompanyID", vat_number)
        _tax_scheme(tax)
    _cbc(_cac(party, "PartyLegalEntity"), "RegistrationName", name)


def _supplier(root: ET.Element, operator: Seller) -> None:
    _party(
        _cac(root, "AccountingSupplierParty"),
        name=operator.name,
        vat_number=operator.vat_number,
        email=operator.email,
        country=operator.country,
        street=operator.street,
        city=operator.city,
        postcode=operator.postcode,
    )


def _customer(root: ET.Element, invoice: Invoice) -> None:
    customer = invoice.customer
    account = invoice.billing_account
    lines = [line.strip() for line in account.invoice_address.splitlines() if line.strip()]
    # A private invoice (or a credit note of one) goes to the employee of its line.
    if invoice.line is not None and invoice.member_id is not None:
        name = f"{invoice.line.first_name} {invoice.line.last_name}".strip() or invoice.line.msisdn
        email = invoice.member.email if invoice.member else invoice.line.email
        vat_number = ""
    else:
        name = customer.legal_name or customer.name
        email = account.invoice_email or account.contract.contact_email
        vat_number = customer.vat_number
    _party(
        _cac(root, "AccountingCustomerParty"),
        name=name,
        vat_number=vat_number,
        email=email,
        country=customer.country,
        street=lines[0] if lines else "",
        city=", ".join(lines[1:]),
    )


def _payment_means(root: ET.Element, invoice: Invoice, operator: Seller, *, credit_note: bool) -> None:
    means = _cac(root, "PaymentMeans")
    mandate = active_mandate(invoice.billing_account)
    _cbc(means, "PaymentMeansCode", DIRECT_DEBIT if mandate else TRANSFER)
    if credit_note:
        _cbc(means, "PaymentDueDate", invoice.due_on.isoformat())
    if mandate is not None:
        payment_mandate = _cac(means, "PaymentMandate")
        _cbc(payment_mandate, "ID", mandate.reference)
        _cbc(_cac(payment_mandate, "PayerFinancialAccount"), "ID", mandate.iban)
        return
    if invoice.structured_communication:
        _cbc(means, "PaymentID", invoice.structured_communication)
    payee = _cac(means, "PayeeFinancialAccount")
    _cbc(payee, "ID", operator.iban)
    _cbc(_cac(payee, "FinancialInstitutionBranch"), "ID", operator.bic)


def _tax_category(parent: ET.Element, name: str, rate: Decimal) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", VAT_CATEGORY)
    _cbc(category, "Percent", f"{rate.normalize():f}")
    _tax_scheme(category)


def _line(
    root: ET.Element, item: InvoiceItem, number: int, *, sign: Decimal, currency: str, rate: Decimal, credit_note: bool
) -> None:
    amount = item.amount * sign
    line = _cac(root, "CreditNoteLine" if credit_note else "InvoiceLine")
    _cbc(line, "ID", number)
    quantity = "-1" if amount < 0 else "1"
    _cbc(line, "CreditedQuantity" if credit_note else "InvoicedQuantity", quantity, unitCode=UNIT)
    _cbc(line, "LineExtensionAmount", _money(amount), currencyID=currency)
    described = _cac(line, "Item")
    name = item.description
    if item.line is not None:
        name = f"{item.line.msisdn} {name}"
    _cbc(described, "Name", name[:200])
    _tax_category(described, "ClassifiedTaxCategory", rate)
    _cbc(_cac(line, "Price"), "PriceAmount", _money(abs(amount)), currencyID=currency)


def invoice_tree(invoice: Invoice) -> ET.Element:
    credit_note = invoice.kind == Invoice.Kind.CREDIT_NOTE
    sign = Decimal(-1) if credit_note else Decimal(1)
    currency = invoice.currency
    operator = seller()
    root = ET.Element(f"{{{CREDIT_NOTE_NS if credit_note else NS['']}}}{'CreditNote' if credit_note else 'Invoice'}")
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", invoice.number)
    _cbc(root, "IssueDate", invoice.issued_on.isoformat())
    if credit_note:
        _cbc(root, "CreditNoteTypeCode", CREDIT_NOTE_TYPE)
    else:
        _cbc(root, "DueDate", invoice.due_on.isoformat())
        _cbc(root, "InvoiceTypeCode", INVOICE_TYPE)
    _cbc(root, "DocumentCurrencyCode", currency)
    _cbc(root, "BuyerReference", invoice.billing_account.number)
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", invoice.period.isoformat())
    last_day = calendar.monthrange(invoice.period.year, invoice.period.month)[1]
    _cbc(period, "EndDate", dt.date(invoice.period.year, invoice.period.month, last_day).isoformat())
    if invoice.corrects is not None:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", invoice.corrects.number)
        _cbc(reference, "IssueDate", invoice.corrects.issued_on.isoformat())
    _supplier(root, operator)
    _customer(root, invoice)
    _payment_means(root, invoice, operator, credit_note=credit_note)

    excl, vat, incl = (value * sign for value in (invoice.total_excl_vat, invoice.vat, invoice.total_incl_vat))
    tax_total = _cac(root, "TaxTotal")
    _cbc(tax_total, "TaxAmount", _money(vat), currencyID=currency)
    subtotal = _cac(tax_total, "TaxSubtotal")
    _cbc(subtotal, "TaxableAmount", _money(excl), currencyID=currency)
    _cbc(subtotal, "TaxAmount", _money(vat), currencyID=currency)
    _tax_category(subtotal, "TaxCategory", invoice.vat_rate)

    totals = _cac(root, "LegalMonetaryTotal")
    _cbc(totals, "LineExtensionAmount", _money(excl), currencyID=currency)
    _cbc(totals, "TaxExclusiveAmount", _money(excl), currencyID=currency)
    _cbc(totals, "TaxInclusiveAmount", _money(incl), currencyID=currency)
    _cbc(totals, "PayableAmount", _money(incl), currencyID=currency)

    for number, item in enumerate(invoice.items.select_related("line"), start=1):
        _line(root, item, number, sign=sign, currency=currency, rate=invoice.vat_rate, credit_note=credit_note)
    return root


def invoice_ubl(invoice: Invoice) -> bytes:
    """The e-invoice as UTF-8 XML with its declaration."""
    root = invoice_tree(invoice)
    document = CREDIT_NOTE_NS if invoice.kind == Invoice.Kind.CREDIT_NOTE else NS[""]
    # ElementTree's prefixes are global and its `default_namespace` refuses the unqualified
    # attributes UBL has (currencyID), so the document's namespace is made the default here.
    with _DEFAULT_NAMESPACE:
        ET.register_namespace("", document)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)
