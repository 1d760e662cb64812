"""The attachment type check by content (F-70): any bytes give an allowed type or a refusal,
never an error, and an executable is never taken whatever its name."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleetportal.support.attachments import ALLOWED_LABEL, sniff

pytestmark = pytest.mark.spec("F-70")

ALLOWED = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/csv",
    "text/plain",
}
EXECUTABLES = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


@given(name=st.text(max_size=30), content=st.binary(max_size=512))
def test_any_bytes_give_an_allowed_type_or_none(name: str, content: bytes) -> None:
    assert sniff(name, content) in (ALLOWED | {None})


@given(magic=st.sampled_from(EXECUTABLES), rest=st.binary(max_size=256) | st.text(max_size=64).map(str.encode))
def test_an_executable_is_never_taken_even_named_pdf(magic: bytes, rest: bytes) -> None:
    assert sniff("invoice.pdf", magic + rest) is None


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", "MZ")
    assert sniff("list.xlsx", buffer.getvalue()) is None
    assert "XLSX" in ALLOWED_LABEL
