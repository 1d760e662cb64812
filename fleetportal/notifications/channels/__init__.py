"""Delivery channels: one small module per way a message leaves the portal, registered with
the kernel's delivery pipeline at start-up."""

from functools import partial

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fleetportal.core import delivery

from ..models import OutboxMessage
from . import email, sms


def register() -> None:
    for kind, send, label in (
        (OutboxMessage.Kind.EMAIL, email.deliver, _("E-mail")),
        (OutboxMessage.Kind.SMS, sms.deliver, _("SMS")),
    ):
        delivery.register(
            delivery.Channel(
                name=kind,
                label=label,
                model=OutboxMessage,
                send=send,
                max_attempts=lambda: settings.OUTBOX_MAX_ATTEMPTS,
                rows=partial(OutboxMessage.objects.filter, kind=kind),
            )
        )
