"""The API toolkit every app's `api.py` uses: who is calling (`api_actor`), the one error shape
(`ERROR_RESPONSES`, see `api_errors`) and paging. The root that mounts the routers and the
authentication classes stand above the apps (`fleetportal/api_root.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, Self, TypeVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import ValidationError

from .actor import Actor
from .api_errors import CONFLICT_CODES, ERROR_RESPONSES, ErrorOut
from .errors import ActionError, PermissionDeniedError
from .http import PortalRequest

__all__ = ["ERROR_RESPONSES", "ErrorOut", "Page", "PageQuery", "api_actor", "refused_fields_as_invalid"]

T = TypeVar("T")
MAX_PAGE = 500


class PageQuery(Schema):
    """`limit`/`offset` of a list endpoint (subclass it to name it in the OpenAPI document)."""

    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=10**9)


class Page(Schema, Generic[T]):
    count: int
    limit: int
    offset: int
    items: list[T]

    @classmethod
    def of(cls, rows: QuerySet[Any], query: PageQuery, item: Callable[[Any], T]) -> Self:
        """The page of `rows` that `query` asks for, counted and sliced in the database, each row
        made an item by `item`. Subclass `Page[ItemOut]` to name the page in the OpenAPI document."""
        window = rows[query.offset : query.offset + query.limit]
        return cls(count=rows.count(), limit=query.limit, offset=query.offset, items=[item(row) for row in window])


def api_actor(request: PortalRequest, *functions: str) -> Actor:
    """The caller, if its key scopes or login rights include one of `functions` (else 403).

    "read" is a scope of keys only; a login reads what its rights let it manage.
    """
    actor = request.actor
    if actor.customer is not None and any(actor.can(f) for f in functions):
        return actor
    if actor.api_key is not None:
        message = _("This API key lacks the scope for this: one of %(scopes)s.") % {"scopes": ", ".join(functions)}
    else:
        message = _("Your login may not do this through the API.")
    raise PermissionDeniedError(message)


@contextmanager
def refused_fields_as_invalid() -> Iterator[None]:
    """Within it, an action's refusal of a field answers the 422 a body that does not validate
    gets, naming that field, with the action's (translated) message; a missing right stays a
    403, a conflict a 409 and a refusal naming no field a 400."""
    try:
        yield
    except PermissionDeniedError:
        raise
    except ActionError as exc:
        if exc.field is None or exc.code in CONFLICT_CODES:
            raise
        message = str(exc.message)
        error = {
            "loc": ("body", "payload", exc.field),
            "msg": message,
            "type": "value_error",
            "ctx": {"error": message},
        }
        raise ValidationError([error]) from exc
