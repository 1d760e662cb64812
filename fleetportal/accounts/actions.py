"""Every change to logins, roles, rights and invitations (SPEC F-01..F-12).

Each action checks the actor's rights, runs in one transaction, writes its audit event and
queues its messages through the outbox. Pages, the API and jobs all call these.
"""

from __future__ import annotations

import hashlib
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import Channel, Contract, Customer
from fleetportal.notifications import outbox

from .models import Function, Invitation, Membership, Role, User

INVITABLE_ROLES = (Role.MANAGER, Role.MEMBER)
LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
# The limits of an invitation's fields: the model's, for the action, the page and the API alike.
EMAIL_MAX_LENGTH: int = User._meta.get_field("email").max_length or 254
DESCRIPTION_MAX_LENGTH: int = Membership._meta.get_field("description").max_length or 200


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_user_manager(actor: Actor, customer: Customer) -> None:
    if actor.is_staff:
        return
    if actor.customer != customer or not actor.can(Function.USERS):
        raise PermissionDeniedError(_("You may not manage the users of this customer."))


def _protect_holder(actor: Actor, membership: Membership) -> None:
    """Only operator staff may touch the contract holder (F-01)."""
    if membership.role == Role.HOLDER and not actor.is_staff:
        raise PermissionDeniedError(_("The contract holder cannot be changed."))


def _within_own_rights(actor: Actor, role: str, functions: list[str]) -> None:
    """A manager limited to some functions (F-09) cannot make a manager with rights they do
    not have themselves; an empty list means every function."""
    if actor.is_staff or not actor.functions or role == Role.MEMBER:
        return
    if not functions or not set(functions) <= actor.functions:
        raise PermissionDeniedError(_("You cannot give rights that you do not have yourself."))


def _send_invitation(actor: Actor, membership: Membership) -> Invitation:
    token = secrets.token_urlsafe(32)  # 256 bits (QUALITY S8)
    invitation = Invitation.objects.create(
        membership=membership,
        token_hash=hash_token(token),
        invited_by=actor.user,
        expires_at=timezone.now() + settings.INVITATION_TTL,
    )
    user = membership.user
    outbox.send_email(
        to=user.email,
        template="accounts/email/invitation",
        context={
            "customer": membership.customer.name,
            "role": Role(membership.role).label,  # lazy: in the invitee's language
            "inviter": actor.user.get_full_name() if actor.user else membership.customer.name,
            "link": f"{settings.PORTAL_BASE_URL}/invite/{token}/",
            "days": settings.INVITATION_TTL.days,
        },
        language=user.language or membership.customer.language,
        customer=membership.customer,
    )
    return invitation


def invitation_email(value: str) -> str:
    """The invitee's e-mail address, normalised (lower case); the one check of the invitation
    page, the users API and `user_invite`."""
    value = value.strip() if isinstance(value, str) else ""
    if len(value) > EMAIL_MAX_LENGTH:
        raise ActionError(_("Enter at most %(n)s characters.") % {"n": EMAIL_MAX_LENGTH}, field="email")
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ActionError(_("Enter a valid e-mail address."), field="email") from exc
    return User.objects.normalize_email(value).lower()


def invitation_language(value: str) -> str:
    """The invitee's language: one of the portal's, or empty for the customer's. The one check
    of a login's language: inviting, accepting the invitation, one's profile."""
    if value and value not in LANGUAGE_CODES:
        raise ActionError(_("Choose a language from the list."), field="language")
    return value


def _invitation_description(value: str) -> str:
    if len(value) > DESCRIPTION_MAX_LENGTH:
        raise ActionError(_("Enter at most %(n)s characters.") % {"n": DESCRIPTION_MAX_LENGTH}, field="description")
    return value


def _known_functions(functions: list[str]) -> list[str]:
    unknown = set(functions) - set(Function.values)
    if unknown:
        raise ActionError(_("Unknown function: %(names)s") % {"names": ", ".join(sorted(unknown))}, field="functions")
    return sorted(set(functions))


@transaction.atomic
def user_invite(
    *,
    actor: Actor,
    customer: Customer,
    email: str,
    role: str,
    description: str = "",
    language: str = "",
    functions: list[str] | None = None,
) -> Membership:
    """Invite someone by e-mail as manager or member (F-03, F-12). Every check of the
    invitation is here: the page and the API show this action's messages."""
    _require_user_manager(actor, customer)
    email = invitation_email(email)
    if role not in INVITABLE_ROLES:
        raise ActionError(_("Choose the role manager or member."), field="role")
    language = invitation_language(language)
    description = _invitation_description(description)
    functions = _known_functions(functions or [])
    _within_own_rights(actor, role, functions)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, language=language or customer.language)
    elif Membership.objects.filter(user=user, customer=customer).exists():
        raise ActionError(_("This e-mail address already has a login for this customer."), field="email")
    membership = Membership.objects.create(
        user=user,
        customer=customer,
        role=role,
        description=description,
        functions=functions,
        status=Membership.Status.INVITED,
    )
    _send_invitation(actor, membership)
    record(
        actor=actor, action="invitation.sent", customer=customer, obj=membership, after={"email": email, "role": role}
    )
    return membership


@transaction.atomic
def member_invite_by_portal(*, actor: Actor, customer: Customer, email: str, language: str = "") -> Membership:
    """The portal's own invitation of an employee (R-B4: a split-bill user at their line's
    activation; nobody signs up on their own). Only a job of the portal calls it. The login of
    this address in the customer, and an invitation only if it had none: run again, nothing
    more is sent."""
    if actor.user is not None or actor.api_key is not None or actor.channel not in (Channel.SYSTEM, Channel.JOB):
        raise PermissionDeniedError(_("Only the portal itself sends this invitation."))
    email = invitation_email(email)
    language = invitation_language(language)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, language=language or customer.language)
    existing = Membership.objects.filter(user=user, customer=customer).first()
    if existing is not None:
        return existing
    membership = Membership.objects.create(
        user=user, customer=customer, role=Role.MEMBER, status=Membership.Status.INVITED
    )
    _send_invitation(actor, membership)
    record(
        actor=actor,
        action="invitation.sent",
        customer=customer,
        obj=membership,
        after={"email": email, "role": Role.MEMBER},
    )
    return membership


@transaction.atomic
def invitation_resend(*, actor: Actor, membership: Membership) -> Invitation:
    """Send a fresh link and kill the earlier ones; only while not validated (R-I2)."""
    _require_user_manager(actor, membership.customer)
    if membership.status != Membership.Status.INVITED:
        raise ActionError(_("An invitation can only be resent while the profile is not validated."))
    membership.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=timezone.now())
    invitation = _send_invitation(actor, membership)
    record(actor=actor, action="invitation.resent", customer=membership.customer, obj=membership)
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("membership__user", "membership__customer")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ActionError(" ".join(exc.messages), field="password") from exc


def _verified_email(user: User) -> None:
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})


@transaction.atomic
def invitation_accept(
    *,
    actor: Actor,
    token: str,
    first_name: str,
    last_name: str,
    password: str,
    phone: str,
    language: str = "",
) -> User:
    """Complete a login from an invitation link: details, password, mobile number (F-03)."""
    invitation = invitation_for_token(token)
    if invitation is None:
        raise ActionError(_("This invitation link is no longer valid. Ask for a new invitation."))
    Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    language = invitation_language(language)
    membership = invitation.membership
    user = membership.user
    user.first_name, user.last_name, user.phone = first_name, last_name, phone
    if language:
        user.language = language
    _check_password(password, user)
    user.set_password(password)
    user.must_change_password = False
    user.save()
    _verified_email(user)
    won = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not won:
        raise ActionError(_("This invitation link is no longer valid. Ask for a new invitation."))
    membership.status = Membership.Status.VALIDATED
    membership.save(update_fields=["status", "updated_at"])
    record(
        actor=Actor(user=user, channel=actor.channel, ip_address=actor.ip_address),
        action="invitation.accepted",
        customer=membership.customer,
        obj=membership,
    )
    return user


@transaction.atomic
def membership_change_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    _require_user_manager(actor, membership.customer)
    _protect_holder(actor, membership)
    if role not in INVITABLE_ROLES:
        raise ActionError(_("Choose the role manager or member."), field="role")
    if membership.user_id == (actor.user.pk if actor.user else None):
        raise ActionError(_("You cannot change your own role."), field="role")
    _within_own_rights(actor, role, membership.functions)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    record(
        actor=actor,
        action="role.changed",
        customer=membership.customer,
        obj=membership,
        before={"role": before},
        after={"role": role},
    )
    return membership


@transaction.atomic
def membership_set_functions(*, actor: Actor, membership: Membership, functions: list[str]) -> Membership:
    """Limit a manager to some functions; an empty list means all of them (F-09)."""
    _require_user_manager(actor, membership.customer)
    _protect_holder(actor, membership)
    functions = _known_functions(functions)
    if membership.user_id == (actor.user.pk if actor.user else None):
        raise ActionError(_("You cannot change your own rights."), field="functions")
    _within_own_rights(actor, membership.role, functions)
    before = membership.functions
    membership.functions = functions
    membership.save(update_fields=["functions", "updated_at"])
    record(
        actor=actor,
        action="rights.changed",
        customer=membership.customer,
        obj=membership,
        before={"functions": before},
        after={"functions": membership.functions},
    )
    return membership


@transaction.atomic
def membership_set_disabled(*, actor: Actor, membership: Membership, disabled: bool) -> Membership:
    """Disable (the login loses its sessions at its next request) or enable again."""
    _require_user_manager(actor, membership.customer)
    _protect_holder(actor, membership)
    if membership.user_id == (actor.user.pk if actor.user else None):
        raise ActionError(_("You cannot disable your own login."))
    before = membership.status
    if disabled:
        membership.status = Membership.Status.DISABLED
    elif membership.user.has_usable_password():
        membership.status = Membership.Status.VALIDATED
    else:
        membership.status = Membership.Status.INVITED
    membership.save(update_fields=["status", "updated_at"])
    record(
        actor=actor,
        action="user.disabled" if disabled else "user.enabled",
        customer=membership.customer,
        obj=membership,
        before={"status": before},
        after={"status": membership.status},
    )
    return membership


@transaction.atomic
def user_set_temporary_password(*, actor: Actor, membership: Membership) -> None:
    """Staff or the contract holder give a login a temporary password, sent by e-mail, that
    must be changed before anything else works (F-05, R-I3)."""
    if not (actor.is_staff or (actor.is_holder and actor.customer == membership.customer)):
        raise PermissionDeniedError(_("Only operator staff or the contract holder can set a temporary password."))
    _protect_holder(actor, membership)
    user = membership.user
    temporary = secrets.token_urlsafe(12)
    user.set_password(temporary)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    outbox.send_email(
        to=user.email,
        template="accounts/email/temporary_password",
        context={"password": temporary, "link": f"{settings.PORTAL_BASE_URL}/accounts/login/"},
        language=user.language or membership.customer.language,
        customer=membership.customer,
    )
    record(actor=actor, action="password.temporary_set", customer=membership.customer, obj=membership)


@transaction.atomic
def password_set(*, actor: Actor, user: User, password: str, action: str = "password.changed") -> User:
    """Set a login's own new password (forced change, reset, claim)."""
    _check_password(password, user)
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    membership = user.memberships.select_related("customer").first()
    record(actor=actor, action=action, customer=membership.customer if membership else None, obj=user)
    return user


# R-I4: without the SMS code after the password, a password needs this many characters.
LENGTH_WITHOUT_SMS_CODE = 15


@transaction.atomic
def password_require_change_if_short(*, actor: Actor, user: User, password: str) -> bool:
    """At login: a password shorter than 15 characters of a login whose customer switched the
    SMS code off must be changed before anything else works (R-I4). Audited once, when the
    change becomes required; says whether it is required now."""
    if user.must_change_password:
        return True
    if len(password) >= LENGTH_WITHOUT_SMS_CODE:
        return False
    membership = (
        user.memberships.select_related("customer").filter(customer__sms_second_factor=False).order_by("pk").first()
    )
    if membership is None:
        return False
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    record(actor=actor, action="password.change_required", customer=membership.customer, obj=user)
    return True


@transaction.atomic
def customer_set_sms_factor(*, actor: Actor, customer: Customer, enabled: bool) -> Customer:
    """The contract holder switches the SMS code after the password on or off (R-I4)."""
    if not (actor.is_staff or (actor.is_holder and actor.customer == customer)):
        raise PermissionDeniedError(_("Only the contract holder can change the second factor."))
    before = customer.sms_second_factor
    customer.sms_second_factor = enabled
    customer.save(update_fields=["sms_second_factor"])
    record(
        actor=actor,
        action="second_factor.switched",
        customer=customer,
        obj=customer,
        before={"sms_second_factor": before},
        after={"sms_second_factor": enabled},
    )
    return customer


@transaction.atomic
def customer_set_number_login_functions(*, actor: Actor, customer: Customer, functions: list[str]) -> Customer:
    """The contract holder limits what a phone-number login may do (F-08)."""
    if not (actor.is_staff or (actor.is_holder and actor.customer == customer)):
        raise PermissionDeniedError(_("Only the contract holder can change what a number login may do."))
    from .rights import NUMBER_LOGIN_FUNCTIONS

    unknown = set(functions) - set(NUMBER_LOGIN_FUNCTIONS)
    if unknown:
        raise ActionError(_("Unknown function: %(names)s") % {"names": ", ".join(sorted(unknown))}, field="functions")
    before = customer.number_login_functions
    customer.number_login_functions = sorted(set(functions))
    customer.save(update_fields=["number_login_functions"])
    record(
        actor=actor,
        action="rights.number_login_changed",
        customer=customer,
        obj=customer,
        before={"functions": before},
        after={"functions": customer.number_login_functions},
    )
    return customer


@transaction.atomic
def user_update_profile(*, actor: Actor, user: User, language: str | None = None, phone: str | None = None) -> User:
    """A login's own language and mobile number (the page asks to re-authenticate first)."""
    if actor.user != user:
        raise PermissionDeniedError(_("You can only change your own profile."))
    before = {"language": user.language, "phone": str(user.phone or "")}
    if language is not None:
        user.language = invitation_language(language)
    if phone is not None:
        user.phone = phone
    user.save(update_fields=["language", "phone"])
    record(
        actor=actor,
        action="profile.changed",
        obj=user,
        before=before,
        after={"language": user.language, "phone": str(user.phone or "")},
    )
    return user


def audit_identity(
    *, actor: Actor, action: str, customer: Customer | None = None, user: User | None = None, detail: dict | None = None
) -> None:
    """Record a login event (ok, failed, code sent, …) that is not itself a data change.

    Without a customer given, the event belongs to the user's customer (S13: every login
    event names its customer, also a failed one or one before the session has a membership).
    """
    if customer is None and user is not None:
        membership = (
            user.memberships.select_related("customer")
            .exclude(status=Membership.Status.DISABLED)
            .order_by("customer__name")
            .first()
        )
        customer = membership.customer if membership else None
    record(actor=actor, action=action, customer=customer, obj=user, after=detail or {})


@transaction.atomic
def holder_claim(*, actor: Actor, contract: Contract, email: str, phone: str, password: str) -> User:
    """Create the contract holder's login from "No login yet?" after the SMS code (F-04)."""
    customer = contract.customer
    membership = Membership.objects.select_for_update().filter(customer=customer, role=Role.HOLDER).first()
    if membership is not None and membership.status != Membership.Status.INVITED:
        raise ActionError(_("This contract already has a login. Use 'Forgot password' instead."))
    user = membership.user if membership else User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email.lower(), language=customer.language)
    user.phone = phone
    _check_password(password, user)
    user.set_password(password)
    user.must_change_password = False
    user.save()
    _verified_email(user)
    if membership is None:
        membership = Membership.objects.create(
            user=user, customer=customer, role=Role.HOLDER, alias="admin", status=Membership.Status.VALIDATED
        )
    else:
        membership.status = Membership.Status.VALIDATED
        membership.save(update_fields=["status", "updated_at"])
    record(
        actor=Actor(user=user, channel=actor.channel, ip_address=actor.ip_address),
        action="login.claimed",
        customer=customer,
        obj=membership,
    )
    return user


@transaction.atomic
def holder_invite(*, actor: Actor, customer: Customer, email: str) -> Membership:
    """Operator staff give a new customer its contract holder: an e-mail to create the login (F-04)."""
    if not actor.is_staff:
        raise PermissionDeniedError(_("Only operator staff can name the contract holder."))
    if Membership.objects.filter(customer=customer, role=Role.HOLDER).exists():
        raise ActionError(_("This customer already has a contract holder."), field="email")
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first() or User.objects.create_user(
        email, language=customer.language
    )
    membership = Membership.objects.create(
        user=user, customer=customer, role=Role.HOLDER, alias="admin", status=Membership.Status.INVITED
    )
    _send_invitation(actor, membership)
    record(
        actor=actor,
        action="invitation.sent",
        customer=customer,
        obj=membership,
        after={"email": email, "role": Role.HOLDER},
    )
    return membership
