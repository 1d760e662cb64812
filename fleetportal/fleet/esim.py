"""eSIM profiles (F-23): the activation e-mail with the LPA code and PIN/PUK, and the QR code
a phone scans to install the profile."""

from __future__ import annotations

import io

import qrcode
from qrcode.image.pil import PilImage

from fleetportal.core.actor import Actor
from fleetportal.notifications import outbox
from fleetportal.notifications.models import OutboxMessage

from .models import Line, SimCard


def qr_png(activation_code: str) -> bytes:
    """The activation code as a QR code PNG, as phones expect it (the `LPA:1$…` string)."""
    image = qrcode.make(activation_code, image_factory=PilImage, box_size=8, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def recipient_for(line: Line, actor: Actor) -> str:
    """The line's user, else the manager who acts, else the contract's e-mail address."""
    if line.email:
        return line.email
    if actor.user is not None and actor.user.email:
        return actor.user.email
    contract = line.billing_account.contract
    return contract.contact_email


def send_activation_email(*, line: Line, sim: SimCard, actor: Actor, to: str = "") -> OutboxMessage:
    """Queue the activation e-mail of an eSIM in the outbox (inside the caller's transaction),
    to `to` when given, else to `recipient_for` the line."""
    return outbox.send_email(
        to=to or recipient_for(line, actor),
        template="fleet/email/esim_activation",
        context={
            "number": line.msisdn,
            "name": f"{line.first_name} {line.last_name}".strip(),
            "activation_code": sim.activation_code,
            "pin": sim.pin,
            "puk": sim.puk,
            "customer": line.customer.name,
        },
        language=line.language or line.customer.language,
        customer=line.customer,
        attachments=[
            outbox.Attachment(f"esim-{line.msisdn.lstrip('+')}.png", "image/png", qr_png(sim.activation_code))
        ],
    )
