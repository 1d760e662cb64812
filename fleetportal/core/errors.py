"""The one exception actions raise for a broken rule: pages show it on the form, the API
answers 400/409 with it. Its message is translated and may name the field it is about."""

from __future__ import annotations

from django.utils.functional import Promise


class ActionError(Exception):
    def __init__(self, message: str | Promise, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code


class PermissionDeniedError(ActionError):
    def __init__(self, message: str | Promise):
        super().__init__(message, code="forbidden")
