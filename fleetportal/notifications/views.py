"""/dev/outbox/: in demo mode only, every e-mail and SMS sent, newest first, so a person
trying the demo can read the codes and links."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .models import OutboxMessage


def dev_outbox(request: HttpRequest) -> HttpResponse:
    if not settings.DEMO_MODE:
        raise Http404
    messages = OutboxMessage.objects.all()[:100]
    return render(request, "notifications/dev_outbox.html", {"outbox": messages})
