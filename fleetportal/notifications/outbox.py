"""Writing to the outbox. Call these inside an action's transaction; the worker delivers.

Messages are rendered here, in the recipient's language, so what is stored is exactly what is
sent and a rolled-back action leaves nothing behind to send.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation

from fleetportal.core.delivery import deliver_after_commit
from fleetportal.core.models import Customer

from .models import OutboxMessage


def _queue(message: OutboxMessage) -> OutboxMessage:
    message.save()
    deliver_after_commit(message.kind, [message.pk])
    return message


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    def as_json(self) -> dict[str, str]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "content": base64.b64encode(self.content).decode(),
        }


def send_email(
    *,
    to: str,
    template: str,
    context: dict,
    language: str,
    customer: Customer | None = None,
    attachments: Sequence[Attachment] = (),
) -> OutboxMessage:
    """Queue `<template>_subject.txt` / `<template>_body.txt` rendered in `language`."""
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}_body.txt", context)
    return queue_email(to=to, subject=subject, body=body, customer=customer, attachments=attachments)


def queue_email(
    *, to: str, subject: str, body: str, customer: Customer | None = None, attachments: Sequence[Attachment] = ()
) -> OutboxMessage:
    """Queue an already rendered e-mail."""
    return _queue(
        OutboxMessage(
            kind=OutboxMessage.Kind.EMAIL,
            customer=customer,
            recipient=to,
            subject=" ".join(subject.split()),
            body=body,
            attachments=[attachment.as_json() for attachment in attachments],
            next_attempt_at=timezone.now(),
        )
    )


def send_sms(
    *, to: str, template: str, context: dict, language: str, customer: Customer | None = None
) -> OutboxMessage:
    """Queue an SMS rendered from `<template>.txt` in `language`; `to` is E.164."""
    with translation.override(language):
        body = " ".join(render_to_string(f"{template}.txt", context).split())
    return _queue(
        OutboxMessage(
            kind=OutboxMessage.Kind.SMS,
            customer=customer,
            recipient=to,
            body=body,
            next_attempt_at=timezone.now(),
        )
    )
