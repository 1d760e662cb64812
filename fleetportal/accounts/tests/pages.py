"""Pages compared for sameness (a login must not tell a known number or address from an
unknown one, S3) without what differs per render: the CSRF token, the clock, the countdown."""

from __future__ import annotations

import re


def comparable(text: str) -> str:
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    text = re.sub(r"\b\d{2}:\d{2}(:\d{2})?\b", "hh:mm", text)
    return re.sub(r"in (about )?\d+ (second|minute)s?", "in n", text)
