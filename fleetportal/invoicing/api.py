"""Invoices through the API (F-61, F-64): list and read them, download the PDF and the UBL
e-invoice, an account's open balance, and its direct debit mandates. Who sees what is the
invoices' scope rule: a key with the `billing` (or `read`) scope or a billing manager every
invoice of the customer, a member's login its own private invoices; a foreign id is a 404.
Signing a mandate needs the `billing` scope or right (the same action as the page)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fleetportal.accounts.models import ApiKey
from fleetportal.billing.models import BillingAccount, DirectDebitMandate
from fleetportal.core.actor import Actor
from fleetportal.core.api import ERROR_RESPONSES, Page, PageQuery, api_actor, refused_fields_as_invalid
from fleetportal.core.errors import PermissionDeniedError
from fleetportal.core.http import PortalRequest

from . import ogm, selectors
from .actions_mandates import mandate_request
from .documents import invoice_render
from .models import Invoice, InvoiceItem

router = Router(tags=["invoices"])

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
STATUS_PATTERN = "^(" + "|".join(selectors.STATUSES) + ")$"


class InvoiceOut(Schema):
    id: int
    number: str
    kind: str = Field(..., description="company, private (split bill) or credit_note")
    billing_account: str
    period: dt.date = Field(..., description="the first day of the month invoiced")
    issued_on: dt.date
    due_on: dt.date
    currency: str
    vat_rate: Decimal
    total_excl_vat: Decimal
    vat: Decimal
    total_incl_vat: Decimal
    paid: Decimal
    balance: Decimal = Field(..., description="what is still to pay, incl. VAT")
    status: str = Field(..., description="open, partly_paid, paid, overdue or credited")
    structured_communication: str = Field(..., description="+++123/4567/89012+++ for a bank transfer")
    corrects: str | None = Field(..., description="a credit note's invoice number")
    pdf_url: str
    ubl_url: str

    @staticmethod
    def of(invoice: Invoice) -> InvoiceOut:
        digits = invoice.structured_communication
        return InvoiceOut(
            id=invoice.pk,
            number=invoice.number,
            kind=invoice.kind,
            billing_account=invoice.billing_account.number,
            period=invoice.period,
            issued_on=invoice.issued_on,
            due_on=invoice.due_on,
            currency=invoice.currency,
            vat_rate=invoice.vat_rate,
            total_excl_vat=invoice.total_excl_vat,
            vat=invoice.vat,
            total_incl_vat=invoice.total_incl_vat,
            paid=invoice.paid,
            balance=invoice.balance,
            status=selectors.status_of(invoice),
            structured_communication=ogm.formatted(digits) if digits else "",
            corrects=invoice.corrects.number if invoice.corrects_id and invoice.corrects else None,
            pdf_url=f"/api/v1/invoices/{invoice.pk}/pdf",
            ubl_url=f"/api/v1/invoices/{invoice.pk}/ubl",
        )


class ItemOut(Schema):
    kind: str
    number: str | None = Field(..., description="the line's phone number")
    description: str
    quantity: Decimal
    unit: str
    amount: Decimal = Field(..., description="excl. VAT")

    @staticmethod
    def of(item: InvoiceItem) -> ItemOut:
        return ItemOut(
            kind=item.kind,
            number=item.line.msisdn if item.line else None,
            description=item.description,
            quantity=item.quantity,
            unit=item.unit,
            amount=item.amount,
        )


class InvoiceDetailOut(InvoiceOut):
    items: list[ItemOut]


class InvoicePage(Page[InvoiceOut]):
    pass


class InvoiceQuery(PageQuery):
    account: int | None = Field(None, ge=1, le=2**63 - 1, description="a billing account's id")
    year: int | None = Field(None, ge=2000, le=2999, description="the year of the invoice date")
    status: str = Field("", pattern=STATUS_PATTERN + "|^$", description="open, partly_paid, paid, overdue, credited")
    mine: bool = Field(False, description="only the caller's own private invoices (split bill)")


class BalanceOut(Schema):
    billing_account: str
    payment_mode: str = Field(..., description="transfer or direct_debit")
    currency: str
    open_balance: Decimal = Field(..., description="incl. VAT; negative when the customer is owed money")
    overdue: Decimal = Field(..., description="the balance of the invoices past their due date")


class MandateIn(Schema):
    iban: str = Field(..., max_length=42)
    bic: str = Field(..., max_length=14)
    holder_name: str = Field(..., max_length=70)


class MandateOut(Schema):
    id: int
    reference: str = Field(..., description="the mandate id the bank collects with")
    iban: str
    bic: str
    holder_name: str
    signed_on: dt.date
    status: str = Field(..., description="active or revoked")


def _reader(request: PortalRequest) -> Actor:
    actor = request.actor
    if actor.customer is None and not actor.is_staff:
        raise PermissionDeniedError(_("Only a customer's login or API key reads invoices."))
    return actor


@router.get("/invoices", response={200: InvoicePage, **ERROR_RESPONSES}, operation_id="invoices_list")
def invoices_list(request: PortalRequest, query: Query[InvoiceQuery]) -> InvoicePage:
    """The invoices the caller sees, newest first. Scope `billing` or `read`; a member's login
    gets its own private invoices."""
    actor = _reader(request)
    invoices = selectors.invoices_for(actor).select_related("corrects")
    if query.mine:
        invoices = invoices.filter(member=actor.user) if actor.user else invoices.none()
    chosen = selectors.filtered(invoices, account=query.account, year=query.year, status=query.status)
    return InvoicePage.of(chosen, query, InvoiceOut.of)


@router.get(
    "/invoices/{int:invoice_id}", response={200: InvoiceDetailOut, **ERROR_RESPONSES}, operation_id="invoice_get"
)
def invoice_get(request: PortalRequest, invoice_id: Id) -> InvoiceDetailOut:
    invoice = selectors.invoice_for(_reader(request), invoice_id)
    items = [ItemOut.of(item) for item in invoice.items.select_related("line")]
    return InvoiceDetailOut(**InvoiceOut.of(invoice).model_dump(), items=items)


def _document(request: PortalRequest, invoice_id: int, kind: str) -> FileResponse:
    invoice = invoice_render(selectors.invoice_for(_reader(request), invoice_id))
    document, extension, content_type = (
        (invoice.pdf, "pdf", "application/pdf") if kind == "pdf" else (invoice.ubl, "xml", "application/xml")
    )
    response = FileResponse(
        document.open("rb"), as_attachment=True, filename=f"{invoice.number}.{extension}", content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/invoices/{int:invoice_id}/pdf", response={200: None, **ERROR_RESPONSES}, operation_id="invoice_pdf")
def invoice_pdf(request: PortalRequest, invoice_id: Id) -> FileResponse:
    """The invoice as a PDF (application/pdf), as it was issued."""
    return _document(request, invoice_id, "pdf")


@router.get("/invoices/{int:invoice_id}/ubl", response={200: None, **ERROR_RESPONSES}, operation_id="invoice_ubl")
def invoice_ubl(request: PortalRequest, invoice_id: Id) -> FileResponse:
    """The invoice as a UBL 2.1 / Peppol BIS Billing 3.0 e-invoice (application/xml)."""
    return _document(request, invoice_id, "ubl")


def _account(request: PortalRequest, account_id: int) -> BillingAccount:
    return selectors.account_for(_reader(request), account_id)


@router.get(
    "/billing-accounts/{int:account_id}/balance",
    response={200: BalanceOut, **ERROR_RESPONSES},
    operation_id="billing_account_balance",
)
def billing_account_balance(request: PortalRequest, account_id: Id) -> BalanceOut:
    """The account's open balance incl. VAT. Scope `billing` or `read`."""
    account = _account(request, account_id)
    invoices = selectors.invoices_for(request.actor).filter(billing_account=account)
    return BalanceOut(
        billing_account=account.number,
        payment_mode=account.payment_mode,
        currency=account.contract.currency,
        open_balance=selectors.totals_of(invoices).balance,
        overdue=selectors.totals_of(selectors.filtered(invoices, status=selectors.OVERDUE)).balance,
    )


def _mandate(mandate: DirectDebitMandate) -> MandateOut:
    return MandateOut(
        id=mandate.pk,
        reference=mandate.reference,
        iban=mandate.iban,
        bic=mandate.bic,
        holder_name=mandate.holder_name,
        signed_on=mandate.signed_on,
        status=mandate.status,
    )


@router.get(
    "/billing-accounts/{int:account_id}/mandates",
    response={200: list[MandateOut], **ERROR_RESPONSES},
    operation_id="billing_account_mandates",
)
def mandates_list(request: PortalRequest, account_id: Id) -> list[MandateOut]:
    """The account's direct debit mandates, newest first."""
    account = _account(request, account_id)
    return [_mandate(m) for m in selectors.mandates_for(request.actor).filter(account=account)]


@router.post(
    "/billing-accounts/{int:account_id}/mandates",
    response={201: MandateOut, **ERROR_RESPONSES},
    operation_id="billing_account_mandate_create",
)
def mandate_create(request: PortalRequest, account_id: Id, payload: MandateIn) -> Status[MandateOut]:
    """Sign a SEPA direct debit mandate: the account is collected from this IBAN from now on
    (a previous mandate is revoked). Scope `billing`. A bad IBAN or BIC is a 422 naming it."""
    actor = request.actor if request.actor.is_staff else api_actor(request, ApiKey.Scope.BILLING)
    account = _account(request, account_id)
    with refused_fields_as_invalid():
        mandate = mandate_request(
            actor=actor, account=account, iban=payload.iban, bic=payload.bic, holder_name=payload.holder_name
        )
    return Status(201, _mandate(mandate))
