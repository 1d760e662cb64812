"""What a code page says about its code, and its resend countdown (F-06, F-07, F-08; S3, S4).

A code belongs to the page (the browser's flow) that asked for it (S3). A second login in
another browser within a minute sends no SMS (S4), so its page has no code of its own: it says
so plainly, names the time a new code can be asked, and offers "send a new code" then, with an
htmx countdown (the fragment below polls itself by `load delay`, no page script: the CSP has
`script-src 'self'`). The same browser asking again within a minute keeps its earlier code,
which the page says still counts; a resend ends the earlier code of the page, and the page
says that only the newest one counts.

What the page knows comes from the flow's own code row and from the limits that answered the
last request, kept in the session: the same for an unknown number or address, whose requests
leave a code row that nobody receives (S6).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.sessions.backends.base import SessionBase
from django.urls import reverse
from django.utils.http import urlencode

from . import session as keys
from .codes import CodeRequest, TooManyCodes, live_code, next_code_at
from .models import OneTimeCode

# After a refusal the page polls every second for the last minute and a half of the wait, and
# every half minute before that (a wait of the five-an-hour limit can be most of an hour).
POLL_SECONDS, SLOW_POLL_SECONDS, FAST_POLL_WINDOW = 1, 30, 90

# Where each page's "send a new code" posts, and what.
RESEND: dict[str, tuple[str, dict[str, str]]] = {
    OneTimeCode.Purpose.LOGIN_SMS: ("login_sms_code", {"resend": "1"}),
    OneTimeCode.Purpose.PHONE_LOGIN: ("phone_login", {"step": "send"}),
    OneTimeCode.Purpose.PASSWORD_RESET: ("password_forgot_code", {"resend": "1"}),
    OneTimeCode.Purpose.CLAIM: ("claim_code", {"resend": "1"}),
}
RECENT, TOO_MANY = "recent", "too_many"


def _key(purpose: str) -> str:
    return f"fp_code_state:{purpose}"


def remember_sent(session: SessionBase, request: CodeRequest) -> None:
    """After a code went out (or was counted for an unknown target): when the next may."""
    wait = next_code_at(request)
    session[_key(request.purpose)] = {"at": wait.until.timestamp() if wait else None, "refused": ""}


def remember_refused(session: SessionBase, purpose: str, exc: TooManyCodes) -> None:
    session[_key(purpose)] = {
        "at": exc.retry_at.timestamp() if exc.retry_at else time.time() + 60,
        "refused": RECENT if exc.recent else TOO_MANY,
    }


@dataclass(frozen=True)
class CodeState:
    """The page's code (None: no code of this page counts) and when a new one can be asked."""

    purpose: str
    code: OneTimeCode | None
    resend_at: datetime | None  # in the future, or None: now
    refused: str  # "", RECENT or TOO_MANY: what the limits answered the page's last request
    next_url: str = ""

    @property
    def seconds_left(self) -> int:
        if self.resend_at is None:
            return 0
        return max(0, math.ceil(self.resend_at.timestamp() - time.time()))

    @property
    def waiting(self) -> bool:
        return self.seconds_left > 0

    @property
    def minutes_left(self) -> int:
        return math.ceil(self.seconds_left / 60)

    @property
    def long_wait(self) -> bool:
        return self.seconds_left > FAST_POLL_WINDOW

    @property
    def poll_in(self) -> int:
        return SLOW_POLL_SECONDS if self.long_wait else POLL_SECONDS

    @property
    def poll_url(self) -> str:
        url = reverse("code_wait", args=[self.purpose])
        return f"{url}?{urlencode({'next': self.next_url})}" if self.next_url else url

    @property
    def resend_action(self) -> str:
        url = reverse(RESEND[self.purpose][0])
        return f"{url}?{urlencode({'next': self.next_url})}" if self.next_url else url

    @property
    def resend_fields(self) -> list[tuple[str, str]]:
        return list(RESEND[self.purpose][1].items())


def state_for(
    session: SessionBase, purpose: str, *, target: str | None = None, next_url: str = "", with_code: bool = True
) -> CodeState:
    """The state of the page of `purpose` in this session; `target`, when given, must be the
    code's (the number of a phone-number login: another number's code does not count)."""
    code = None
    if with_code:
        code = live_code(flow_id=session.get(keys.flow_key(purpose), ""), purpose=purpose)
        if code is not None and target is not None and code.target != target:
            code = None
    saved = session.get(_key(purpose)) or {}
    at = saved.get("at")
    resend_at = datetime.fromtimestamp(at, tz=UTC) if at and at > time.time() else None
    return CodeState(
        purpose=purpose,
        code=code,
        resend_at=resend_at,
        refused=saved.get("refused", "") if resend_at else "",
        next_url=next_url,
    )
