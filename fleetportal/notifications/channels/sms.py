"""SMS gateways. `local` keeps the message in the outbox only (the demo reads it at
/dev/outbox/); `http` posts JSON to the operator's gateway with an idempotency key, so a retry
after a worker crash is not delivered twice by a gateway that honours it."""

import json
import urllib.request

from django.conf import settings

from ..models import OutboxMessage


class SmsGatewayError(RuntimeError):
    pass


def deliver(message: OutboxMessage) -> None:
    if settings.SMS_GATEWAY == "local":
        return
    if settings.SMS_GATEWAY != "http" or not settings.SMS_GATEWAY_URL.startswith(("https://", "http://")):
        raise SmsGatewayError(f"SMS gateway {settings.SMS_GATEWAY!r} is not configured")
    payload = json.dumps({"to": message.recipient, "from": settings.SMS_SENDER, "text": message.body}).encode()
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        settings.SMS_GATEWAY_URL,
        data=payload,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
            "Idempotency-Key": message.idempotency_key,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (configured URL)
        if response.status >= 300:
            raise SmsGatewayError(f"gateway answered {response.status}")
