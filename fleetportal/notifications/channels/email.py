"""E-mail through Django's configured backend (SMTP in production)."""

import base64

from django.conf import settings
from django.core.mail import EmailMessage

from ..models import OutboxMessage


def deliver(message: OutboxMessage) -> None:
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"X-Idempotency-Key": message.idempotency_key},
    )
    for attachment in message.attachments:
        email.attach(attachment["filename"], base64.b64decode(attachment["content"]), attachment["content_type"])
    email.send(fail_silently=False)
