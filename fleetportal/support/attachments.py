"""The rules of a ticket's attachments (F-70): at most 4 per ticket or reply, each 1 byte to
10 MB, its type told by its first bytes (never by its name or the browser's word) against an
allow-list: PDF, PNG, JPEG, XLSX, and CSV or plain text (UTF-8 without NUL bytes).

A file is read once, checked whole before anything is stored, and stored under a random name
through Django's storage API (`models.stored_name`), so production may keep them on S3-
compatible storage (django-storages) by settings alone."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fleetportal.core.errors import ActionError

MAX_FILES = 4
MAX_BYTES = 10 * 1024 * 1024
FIELD = "attachments"

PDF, PNG, JPEG, XLSX, CSV, TXT = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/csv",
    "text/plain",
)
ALLOWED_LABEL = "PDF, PNG, JPEG, CSV, XLSX, TXT"
_MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
# Programs (Windows, Linux, macOS, scripts) are refused before any other check, even when the
# rest of the file would pass as text.
_PROGRAMS = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")


class UploadedFileLike(Protocol):
    name: str | None
    size: int | None

    def read(self, size: int = ..., /) -> bytes: ...


@dataclass(frozen=True)
class Upload:
    """A checked file, ready to store: the uploader's name, its sniffed type, its bytes."""

    name: str
    content_type: str
    content: bytes


def sniff(name: str, content: bytes) -> str | None:
    """The allowed type `content` is, by its bytes, or None."""
    if content.startswith(_PROGRAMS):
        return None
    for magic, content_type in _MAGIC:
        if content.startswith(magic):
            return content_type
    if content.startswith(b"PK\x03\x04"):
        return XLSX if _is_xlsx(content) else None
    if b"\x00" in content:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return CSV if name.lower().endswith(".csv") else TXT


def _is_xlsx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def check_uploads(files: Sequence[UploadedFileLike], *, already: int = 0) -> list[Upload]:
    """The files read and checked, or an `ActionError` on `attachments` naming the file and the
    rule; `already` counts the files the ticket holds where the limit is the ticket's."""
    if len(files) + already > MAX_FILES:
        raise ActionError(
            ngettext("You can add at most %(max)d attachment.", "You can add at most %(max)d attachments.", MAX_FILES)
            % {"max": MAX_FILES},
            field=FIELD,
        )
    checked = []
    for file in files:
        name = (file.name or "file").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200] or "file"
        if file.size is not None and file.size > MAX_BYTES:
            raise _too_big(name)
        content = file.read(MAX_BYTES + 1)
        if len(content) > MAX_BYTES:
            raise _too_big(name)
        if not content:
            raise ActionError(_("%(name)s is empty.") % {"name": name}, field=FIELD)
        content_type = sniff(name, content)
        if content_type is None:
            raise ActionError(
                _("%(name)s is not a file type we accept: %(types)s.") % {"name": name, "types": ALLOWED_LABEL},
                field=FIELD,
            )
        checked.append(Upload(name=name, content_type=content_type, content=content))
    return checked


def _too_big(name: str) -> ActionError:
    return ActionError(_("%(name)s is larger than 10 MB.") % {"name": name}, field=FIELD)
