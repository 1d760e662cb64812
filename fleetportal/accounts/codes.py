"""One-time codes (QUALITY S3, S4): 6 digits from `secrets`, five minutes, single use, bound
to the flow of the browser that asked, dead after five wrong tries, and rate-limited per
target, per account, per IP address and per customer."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core.models import Customer
from fleetportal.notifications import outbox

from .models import OneTimeCode, User


class TooManyCodes(Exception):
    """Over a resend limit: pages answer with a 429 'too many' page, the API with 429.

    `retry_at` is when the limits let a new code through; `recent` says that only the
    one-a-minute rule holds it up (a code of this purpose was sent less than a minute ago)."""

    message = _("Too many codes were requested. Wait a few minutes before asking for a new one.")

    def __init__(self, retry_at: datetime | None = None, *, recent: bool = False) -> None:
        super().__init__()
        self.retry_at = retry_at
        self.recent = recent


@dataclass(frozen=True)
class Wait:
    """Until when the limits refuse a new code, and whether only the one-a-minute rule does."""

    until: datetime
    recent: bool


def new_flow_id() -> str:
    return secrets.token_urlsafe(24)


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def _serialise(*subjects: str) -> None:
    """Let one request at a time count and insert the codes of each subject it shares a limit
    with, until its transaction ends.

    PostgreSQL (READ COMMITTED) would let parallel requests all count four codes and all
    insert a fifth; they take an advisory transaction lock per subject first, in key order
    so that two requests never wait on each other. It covers the number, IP address and
    customer too, where no row may exist to lock FOR UPDATE (an unknown login, a claim).
    SQLite starts every transaction IMMEDIATE (settings): one writer at a time already.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted(
        {int.from_bytes(hashlib.sha256(f"otp:{s}".encode()).digest()[:8], "big", signed=True) for s in subjects}
    )
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _free_at(codes: QuerySet[OneTimeCode], limit: int, window: timedelta) -> datetime | None:
    """When `codes` (those of one window) fall below `limit` again; None when they are below it.
    With n >= limit codes in the window, the limit-th newest is the one whose ageing out frees it."""
    times = list(codes.order_by("-created_at").values_list("created_at", flat=True)[limit - 1 : limit])
    return times[0] + window if times else None


def _wait(*, purpose: str, target: str, user: User | None, customer: Customer | None, ip: str | None) -> Wait | None:
    """One code a minute per flow purpose (a reset code does not hold up the login code that
    follows it), five an hour per number or account whatever the purpose, and caps per IP
    address and per customer: None when a new code may go out now."""
    now = timezone.now()
    hour, minute = timedelta(hours=1), timedelta(minutes=1)
    recent = OneTimeCode.objects.filter(created_at__gt=now - hour)
    per_minute: list[datetime | None] = []
    others: list[datetime | None] = []
    for subject in [Q(target=target)] + ([Q(user=user)] if user is not None else []):
        mine = recent.filter(subject)
        per_minute.append(
            _free_at(mine.filter(purpose=purpose, created_at__gt=now - minute), settings.OTP_PER_MINUTE, minute)
        )
        others.append(_free_at(mine, settings.OTP_PER_HOUR, hour))
    if ip:
        others.append(_free_at(recent.filter(ip_address=ip), settings.OTP_PER_IP_PER_HOUR, hour))
    if customer is not None:
        others.append(_free_at(recent.filter(customer=customer), settings.OTP_PER_CUSTOMER_PER_HOUR, hour))
    minute_until = max((t for t in per_minute if t is not None), default=None)
    other_until = max((t for t in others if t is not None), default=None)
    if other_until is not None:
        return Wait(until=max(other_until, minute_until or other_until), recent=False)
    return Wait(until=minute_until, recent=True) if minute_until is not None else None


def _check_limits(*, purpose: str, target: str, user: User | None, customer: Customer | None, ip: str | None) -> None:
    """Refuse a code over the limits (see `_wait`). Call it inside the transaction that inserts
    the code."""
    subjects = [f"target:{target}"]
    subjects += [f"user:{user.pk}"] if user is not None else []
    subjects += [f"customer:{customer.pk}"] if customer is not None else []
    subjects += [f"ip:{ip}"] if ip else []
    _serialise(*subjects)
    wait = _wait(purpose=purpose, target=target, user=user, customer=customer, ip=ip)
    if wait is not None:
        raise TooManyCodes(wait.until, recent=wait.recent)


@dataclass(frozen=True)
class CodeRequest:
    purpose: str
    channel: str
    target: str  # E.164 number for SMS, address for e-mail
    flow_id: str
    language: str
    user: User | None = None
    customer: Customer | None = None
    ip_address: str | None = None


def issue_code(request: CodeRequest, *, deliver: bool = True) -> OneTimeCode:
    """Create a code for the flow, kill the flow's earlier codes, and queue the message.

    `deliver=False` is for a login, number or contract that does not exist: the request counts
    against the same limits and leaves a code that nobody receives, so neither the answer nor
    the 429 of a second request tells an unknown address from a known one (QUALITY S4, S6).
    """
    with transaction.atomic():
        _check_limits(
            purpose=request.purpose,
            target=request.target,
            user=request.user,
            customer=request.customer,
            ip=request.ip_address,
        )
        now = timezone.now()
        OneTimeCode.objects.filter(flow_id=request.flow_id, used_at__isnull=True).update(used_at=now)
        code = f"{secrets.randbelow(10**6):06d}"
        row = OneTimeCode.objects.create(
            purpose=request.purpose,
            channel=request.channel,
            user=request.user,
            customer=request.customer,
            target=request.target,
            flow_id=request.flow_id,
            code_hash=_hash(code),
            ip_address=request.ip_address,
            expires_at=now + settings.OTP_TTL,
        )
        if not deliver:
            return row
        # The lazy label: rendered in the recipient's language, not the asking page's.
        context = {"code": code, "purpose": OneTimeCode.Purpose(row.purpose).label, "minutes": 5}
        if request.channel == OneTimeCode.Channel.SMS:
            outbox.send_sms(
                to=request.target,
                template="accounts/sms/code",
                context=context,
                language=request.language,
                customer=request.customer,
            )
        else:
            outbox.send_email(
                to=request.target,
                template="accounts/email/code",
                context=context,
                language=request.language,
                customer=request.customer,
            )
        return row


def next_code_at(request: CodeRequest) -> Wait | None:
    """When the limits let the next code of `request` through; None: now. For the page that
    shows when a new code can be asked (the limit itself is checked by `issue_code`)."""
    return _wait(
        purpose=request.purpose,
        target=request.target,
        user=request.user,
        customer=request.customer,
        ip=request.ip_address,
    )


def live_code(*, flow_id: str, purpose: str) -> OneTimeCode | None:
    """The flow's code that `verify_code` would compare, if any: unused, not expired, tries left.
    Only the newest code of a flow is ever live (`issue_code` ends the earlier ones)."""
    if not flow_id:
        return None
    return (
        OneTimeCode.objects.filter(
            flow_id=flow_id,
            purpose=purpose,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            attempts__lt=settings.OTP_MAX_ATTEMPTS,
        )
        .order_by("-created_at")
        .first()
    )


def verify_code(*, flow_id: str, purpose: str, code: str) -> OneTimeCode | None:
    """The flow's live code if `code` matches it, consumed; else None (and one try used).

    The try is counted by a conditional UPDATE *before* the comparison, so parallel guesses
    get at most OTP_MAX_ATTEMPTS comparisons between them; the final conditional UPDATE makes
    parallel correct submissions race on one row: exactly one of them sees its count as 1.
    """
    code = (code or "").strip().replace(" ", "")
    if not flow_id:
        return None
    now = timezone.now()
    live = OneTimeCode.objects.filter(
        flow_id=flow_id,
        purpose=purpose,
        used_at__isnull=True,
        expires_at__gt=now,
        attempts__lt=settings.OTP_MAX_ATTEMPTS,
    )
    row = live.order_by("-created_at").first()
    if row is None or live.filter(pk=row.pk).update(attempts=F("attempts") + 1) != 1:
        return None
    if not (len(code) == 6 and code.isdigit() and hmac.compare_digest(row.code_hash, _hash(code))):
        return None
    won = OneTimeCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
    return row if won == 1 else None
