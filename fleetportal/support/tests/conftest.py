"""Ticket test fixtures on top of the shared ones (fleetportal/conftest.py).

media               MEDIA_ROOT in a temporary folder (autouse): stored attachments land there
lines               three ACTIVE lines of `customer`, the first the member's; plus `pending`,
                    a PENDING line (not activated yet)
other_line          an ACTIVE line of `other_customer`
files               factory of uploads: files.pdf(), files.png(), files.csv(), files.exe_as_pdf(), …
open_ticket(user, **kw)  a ticket opened by `user` through `ticket_create`
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fleetportal.accounts.models import User
from fleetportal.conftest import make_actor
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.support import actions
from fleetportal.support.models import Ticket

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def lines(customer: Customer, member: User) -> list[Line]:
    first = LineFactory.create(customer=customer, user=member, first_name="Mia", last_name="Member")
    return [first, *LineFactory.create_batch(2, customer=customer)]


@pytest.fixture
def pending(customer: Customer) -> Line:
    return LineFactory.create(customer=customer, status=Line.Status.PENDING)


@pytest.fixture
def other_line(other_customer: Customer) -> Line:
    return LineFactory.create(customer=other_customer)


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


class Files:
    def pdf(self, name: str = "invoice.pdf") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, PDF, content_type="application/pdf")

    def png(self, name: str = "screen.png") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, PNG, content_type="image/png")

    def csv(self, name: str = "employees.csv", text: str = "iccid,first_name\n") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, text.encode(), content_type="text/csv")

    def xlsx(self, name: str = "list.xlsx") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, _xlsx(), content_type="application/octet-stream")

    def exe_as_pdf(self, header: bytes = b"MZ\x90\x00") -> SimpleUploadedFile:
        return SimpleUploadedFile("invoice.pdf", header + b"\x00" * 64, content_type="application/pdf")

    def empty(self) -> SimpleUploadedFile:
        return SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf")

    def sized(self, size: int, name: str = "big.txt") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, b"a" * size, content_type="text/plain")


@pytest.fixture
def files() -> Files:
    return Files()


def ticket_input(**overrides: Any) -> actions.TicketInput:
    values: dict[str, Any] = {
        "subject": Ticket.Subject.TECHNICAL,
        "message": "My phone has no network since this morning.",
        "contact_email": "manager@acme.example",
        "contact_phone": "0470 00 00 02",
    }
    return actions.TicketInput(**(values | overrides))


@pytest.fixture
def open_ticket(db: None) -> Callable[..., Ticket]:
    def make(user: User, files: list[Any] | None = None, **overrides: Any) -> Ticket:
        return actions.ticket_create(actor=make_actor(user), data=ticket_input(**overrides), files=files or [])

    return make
