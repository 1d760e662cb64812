"""What the portal's ID tokens and userinfo say about a login (F-11): besides the standard
claims, the customer it acts for and its role, so a client app applies the portal's roles
without a directory of its own. Operator staff carry no customer and the role "staff"."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from fleetportal.accounts.models import User
from fleetportal.accounts.selectors import current_membership

STAFF_ROLE = "staff"
CLAIMS = ("email", "name", "given_name", "family_name", "locale", "customer", "role", "staff_role")


def portal_claims(user: User) -> dict[str, Any]:
    """The claims of this login: its first active membership's customer and role (as the
    portal picks on login), or staff's."""
    claims: dict[str, Any] = {
        "email": user.email,
        "name": f"{user.first_name} {user.last_name}".strip(),
        "given_name": user.first_name,
        "family_name": user.last_name,
        "locale": user.language,
    }
    if user.is_staff:
        return {**claims, "customer": None, "role": STAFF_ROLE, "staff_role": user.staff_role}
    membership = current_membership(user, None)
    customer = {"id": membership.customer_id, "name": membership.customer.name} if membership else None
    return {**claims, "customer": customer, "role": membership.role if membership else None}


class PortalOAuth2Validator(OAuth2Validator):
    # The portal's own claims come with the "openid" scope: every ID token has them.
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "customer": "openid",
        "role": "openid",
        "staff_role": "openid",
    }

    def get_additional_claims(self) -> dict[str, Any]:  # type: ignore[override]
        """Request-agnostic (callables), so the discovery document lists the claims."""
        return {name: _claim(name) for name in CLAIMS}


def _claim(name: str) -> Any:
    return lambda request: portal_claims(request.user).get(name)
