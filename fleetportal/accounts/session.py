"""Keys this project keeps in the session, and the small helpers that read them."""

from __future__ import annotations

from django.http import HttpRequest

SMS_PENDING = "fp_sms_pending"  # password given, SMS code still owed (F-07)
NUMBER = "fp_number"  # E.164 number of a phone-number login (F-08)
LAST_SEEN = "fp_last_seen"  # epoch seconds of the last request, for the idle timeout
STARTED = "fp_started"  # epoch seconds of the login, for the absolute timeout
CUSTOMER = "fp_customer"  # the customer a login with several memberships works in
LANGUAGE = "fp_language"  # the language chosen while the SMS code is still owed


def flow_key(purpose: str) -> str:
    return f"fp_flow:{purpose}"


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
