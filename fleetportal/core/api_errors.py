"""One shape for every API error: `{"detail": ..., "field": ..., "code": ...}` (QUALITY R3).

A refused action, a missing id, a bad key, a body that does not parse or does not validate:
each answers a 4xx in this shape, with the message translated and the field named, never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from fleetportal.core.errors import ActionError, PermissionDeniedError

logger = logging.getLogger(__name__)

CONFLICT_CODES = {"conflict"}


class ErrorOut(Schema):
    detail: str
    field: str | None = None
    code: str


class FieldErrorOut(Schema):
    field: str
    message: str
    code: str


class ValidationErrorOut(ErrorOut):
    errors: list[FieldErrorOut]


ERROR_RESPONSES: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
}


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "payload", "email")` → `email`; `("path", "id")` → `id`; list items as `functions.0`."""
    parts = [str(p) for p in loc[1:]]
    if len(parts) > 1 and loc[0] == "body":
        parts = parts[1:]  # the body's parameter name is not a field the caller sent
    return ".".join(parts) or str(loc[0])


def _message(error: dict[str, Any]) -> str:
    """pydantic speaks English only; the common cases get a translated sentence."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind == "string_too_long":
        return _("Enter at most %(n)s characters.") % {"n": ctx.get("max_length", "")}
    if kind in ("greater_than_equal", "less_than_equal"):
        return _("Enter a number within the allowed range.")
    if kind in ("string_type", "list_type", "dict_type", "model_attributes_type", "model_type"):
        return _("This value has the wrong type.")
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])  # raised by our validators, already translated
    return str(error.get("msg", _("This value is not valid.")))


def _json(api: NinjaAPI, request: HttpRequest, status: int, detail: str, code: str, **extra: Any) -> HttpResponse:
    body: dict[str, Any] = {"detail": detail, "field": extra.pop("field", None), "code": code, **extra}
    return api.create_response(request, body, status=status)


def install(api: NinjaAPI) -> None:
    """Register the handlers on `api`; a later, more specific handler wins by the exception's MRO."""

    def action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
        if isinstance(exc, PermissionDeniedError):
            status = 403
        elif exc.code in CONFLICT_CODES:
            status = 409
        else:
            status = 400
        return _json(api, request, status, str(exc.message), exc.code, field=exc.field)

    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _json(api, request, 404, _("Not found."), "not_found")

    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors: list[dict[str, Any]] = [
            {"field": _field_name(e.get("loc", ("body",))), "message": _message(e), "code": str(e.get("type", ""))}
            for e in exc.errors
        ]
        first: dict[str, Any] = errors[0] if errors else {"field": None, "message": _("The request is not valid.")}
        detail = _("%(field)s: %(message)s") % first if first["field"] else first["message"]
        return _json(api, request, 422, detail, "validation_error", field=first["field"], errors=errors)

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc, AuthenticationError):
            response = _json(
                api, request, 401, _("Give a valid API key (Authorization: Bearer …) or log in."), "unauthorized"
            )
            response["WWW-Authenticate"] = 'Bearer realm="api"'
            return response
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return _json(api, request, 400, _("The request body is not valid JSON."), "parse_error", field="body")
        if exc.status_code == 403 and str(exc) == "CSRF check Failed":  # ninja's, on a session call
            return _json(api, request, 403, _("The CSRF token is missing or wrong."), "csrf")
        return _json(api, request, exc.status_code, str(exc), "error")

    def multipart_error(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        """A multipart body Django cannot read: no or an empty boundary, a broken part. Django
        answers such a page request with a 400 itself; ninja's catch-all would make it a 500."""
        return _json(
            api,
            request,
            400,
            _("The request body is not valid multipart/form-data: send the file as a form field with a boundary."),
            "parse_error",
            field="body",
        )

    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return _json(api, request, 500, _("Something went wrong on our side."), "server_error")

    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (ActionError, action_error),
        (Http404, not_found),
        (ValidationError, validation_error),
        (HttpError, http_error),
        (MultiPartParserError, multipart_error),
        (Exception, server_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
