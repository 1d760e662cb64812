"""User management over the API (F-12 through F-91): the same selectors and actions as the
user pages, the customer always the key's (or the session's) own, never one from the body."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from django.db import transaction
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from fleetportal.core.api import ERROR_RESPONSES, api_actor
from fleetportal.core.errors import ActionError
from fleetportal.core.http import PortalRequest

from . import actions, selectors
from .models import ApiKey, Function, Membership

router = Router(tags=["users"])

READ = (ApiKey.Scope.READ, ApiKey.Scope.USERS)
WRITE = (ApiKey.Scope.USERS,)
InvitableRole = Literal["manager", "member"]
UserStatus = Literal["invited", "validated", "disabled"]
AnyRole = Literal["holder", "manager", "member"]


class UserOut(Schema):
    id: int = Field(description="The user's id in this customer (stable, used in the other user paths).")
    email: str
    first_name: str
    last_name: str
    description: str
    role: AnyRole
    status: UserStatus
    functions: list[Function] = Field(description="Functions a manager is limited to; empty means all.")
    phone: str | None = Field(description="Linked mobile number in E.164, if any.")
    language: str
    created_at: datetime

    @staticmethod
    def of(membership: Membership) -> UserOut:
        user = membership.user
        return UserOut(
            id=membership.pk,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            description=membership.description,
            role=membership.role,  # type: ignore[arg-type]
            status=membership.status,  # type: ignore[arg-type]
            functions=membership.functions,
            phone=user.phone.as_e164 if user.phone else None,
            language=user.language,
            created_at=membership.created_at,
        )


class UserPage(Schema):
    count: int = Field(description="How many users match, over all pages.")
    limit: int
    offset: int
    items: list[UserOut]


class UserFilters(Schema):
    q: str = Field("", max_length=100, description="Search in name, e-mail, description and number.")
    status: UserStatus | None = None
    role: AnyRole | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10**9)


def _checked(check: Callable[[str], str], value: str) -> str:
    """The action's own check of a field, as a schema validator: the rule and message of
    `user_invite` (and so of the invitation page), told as a 422 naming the field."""
    try:
        check(value)
    except ActionError as exc:
        raise ValueError(str(exc.message)) from exc
    return value


class InvitationIn(Schema):
    """A `customer` field, if sent, is ignored: the tenant is the caller's (QUALITY S1).
    The limits are the model's, the checks `user_invite`'s."""

    email: str = Field(max_length=actions.EMAIL_MAX_LENGTH, examples=["jan.peeters@example.be"])
    role: InvitableRole
    description: str = Field("", max_length=actions.DESCRIPTION_MAX_LENGTH)
    language: str = Field("", json_schema_extra={"enum": ["", *actions.LANGUAGE_CODES]})
    functions: list[Function] = Field(default_factory=list, description="Limit a manager to these functions.")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _checked(actions.invitation_email, value)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        return _checked(actions.invitation_language, value)


class InvitationOut(Schema):
    user: UserOut
    expires_at: datetime = Field(description="When the link in the e-mail stops working.")


class UserPatch(Schema):
    """Only the fields sent are changed, all or none of them. The contract holder cannot be changed."""

    role: InvitableRole | None = None
    functions: list[Function] | None = None
    disabled: bool | None = None


def _invitation_out(membership: Membership) -> InvitationOut:
    invitation = membership.invitations.order_by("-created_at", "-pk").first()
    assert invitation is not None  # the action that called this just sent one
    return InvitationOut(user=UserOut.of(membership), expires_at=invitation.expires_at)


@router.get("/users", response={200: UserPage, **ERROR_RESPONSES}, operation_id="users_list", summary="List users")
def users_list(request: PortalRequest, filters: Query[UserFilters]) -> UserPage:
    """The customer's logins with their role and status, filtered and paged. Scope `read` or `users`."""
    actor = api_actor(request, *READ)
    memberships = selectors.memberships_for(
        actor, search=filters.q.strip(), status=filters.status or "", role=filters.role or ""
    )
    page = memberships[filters.offset : filters.offset + filters.limit]
    return UserPage(
        count=memberships.count(), limit=filters.limit, offset=filters.offset, items=[UserOut.of(m) for m in page]
    )


@router.get(
    "/users/{user_id}", response={200: UserOut, **ERROR_RESPONSES}, operation_id="user_get", summary="Get a user"
)
def user_get(request: PortalRequest, user_id: int) -> UserOut:
    """One user of the customer; an id of another customer answers 404. Scope `read` or `users`."""
    actor = api_actor(request, *READ)
    return UserOut.of(selectors.membership_for(actor, user_id))


@router.post(
    "/invitations",
    response={201: InvitationOut, **ERROR_RESPONSES},
    operation_id="invitation_create",
    summary="Invite a user",
)
def invitation_create(request: PortalRequest, payload: InvitationIn) -> Status[InvitationOut]:
    """Invite someone by e-mail as manager or member; they get a single-use link. Scope `users`."""
    actor = api_actor(request, *WRITE)
    membership = actions.user_invite(
        actor=actor,
        customer=actor.tenant,
        email=payload.email,
        role=payload.role,
        description=payload.description,
        language=payload.language,
        functions=[str(f) for f in payload.functions],
    )
    return Status(201, _invitation_out(membership))


@router.post(
    "/users/{user_id}/resend-invitation",
    response={200: InvitationOut, **ERROR_RESPONSES, 409: ERROR_RESPONSES[400]},
    operation_id="invitation_resend",
    summary="Resend an invitation",
)
def invitation_resend(request: PortalRequest, user_id: int) -> InvitationOut:
    """A fresh link while the user is not validated yet; the earlier link stops working. Scope `users`."""
    actor = api_actor(request, *WRITE)
    membership = selectors.membership_for(actor, user_id)
    actions.invitation_resend(actor=actor, membership=membership)
    return _invitation_out(membership)


@router.patch(
    "/users/{user_id}",
    response={200: UserOut, **ERROR_RESPONSES},
    operation_id="user_update",
    summary="Change a user's role, rights or status",
)
def user_update(request: PortalRequest, user_id: int, payload: UserPatch) -> UserOut:
    """Change role, limited functions and/or disable (or enable) a login. Scope `users`."""
    actor = api_actor(request, *WRITE)
    membership = selectors.membership_for(actor, user_id)
    with transaction.atomic():  # rights before role: a new manager's limits are checked with the new rights
        if payload.functions is not None:
            actions.membership_set_functions(
                actor=actor, membership=membership, functions=[str(f) for f in payload.functions]
            )
        if payload.role is not None:
            actions.membership_change_role(actor=actor, membership=membership, role=payload.role)
        if payload.disabled is not None:
            actions.membership_set_disabled(actor=actor, membership=membership, disabled=payload.disabled)
    return UserOut.of(membership)
