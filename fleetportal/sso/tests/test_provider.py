"""The OpenID Connect provider's parts a client app relies on (F-11): the discovery document,
the JWKS, the claims of an ID token, PKCE required, an unregistered redirect URI refused on
the provider's page, and the portal's login (with its SMS code) before the consent page."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from jwcrypto import jwk
from oauth2_provider.models import Application

from fleetportal.accounts import session as session_keys
from fleetportal.conftest import PASSWORD
from fleetportal.sso.validator import portal_claims

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-11")]

CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636 appendix B


@pytest.fixture
def app(db: None) -> Application:
    return Application.objects.create(
        name="CRM",
        redirect_uris="https://crm.example/cb",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        algorithm=Application.RS256_ALGORITHM,
    )


def _authorize(app: Application, **extra: str) -> str:
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": "https://crm.example/cb",
        "scope": "openid profile",
        "state": "s1",
        "nonce": "n1",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        **extra,
    }
    return "/o/authorize/?" + urlencode({k: v for k, v in query.items() if v != ""})


def test_discovery_names_the_endpoints_and_code_flow_with_pkce():
    document = Client().get("/o/.well-known/openid-configuration").json()
    assert document["authorization_endpoint"].endswith("/o/authorize/")
    assert document["token_endpoint"].endswith("/o/token/")
    assert document["jwks_uri"].endswith("/o/.well-known/jwks.json")
    assert document["userinfo_endpoint"].endswith("/o/userinfo/")
    assert "code" in document["response_types_supported"]
    assert "RS256" in document["id_token_signing_alg_values_supported"]
    assert {"customer", "role"} <= set(document["claims_supported"])


def test_jwks_publishes_the_public_rsa_key_only():
    keys = Client().get("/o/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0]
    assert not jwk.JWK(**keys[0]).has_private


def test_claims_carry_customer_and_role(holder, member, other_member, staff):
    claims = portal_claims(holder)
    assert claims["customer"] == {"id": holder.memberships.get().customer_id, "name": "Acme Belgium NV"}
    assert claims["role"] == "holder" and claims["email"] == "holder@acme.example"
    assert portal_claims(member)["role"] == "member"
    assert portal_claims(other_member)["customer"]["name"] != "Acme Belgium NV"
    staff_claims = portal_claims(staff)
    assert (staff_claims["customer"], staff_claims["role"], staff_claims["staff_role"]) == (None, "staff", "admin")


def test_anonymous_authorize_goes_to_the_portal_login(app):
    response = Client().get(_authorize(app))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/o/authorize/")


def test_a_login_that_owes_its_sms_code_does_not_reach_the_consent(app, holder):
    browser = Client()
    assert browser.post("/accounts/login/", {"login": holder.email, "password": PASSWORD}).status_code == 302
    assert browser.session.get(session_keys.SMS_PENDING)
    response = browser.get(_authorize(app))
    assert response.status_code == 302 and response["Location"].endswith("/login/code/")


def test_consent_page_after_the_full_login(app, holder, login):
    browser = Client()
    login(browser, holder)
    response = browser.get(_authorize(app))
    assert response.status_code == 200
    assert "Sign in to CRM with your portal login?" in response.content.decode()


def test_an_unregistered_redirect_uri_gets_the_provider_error_page(app, holder, login):
    browser = Client()
    login(browser, holder)
    response = browser.get(_authorize(app, redirect_uri="https://evil.example/cb"))
    assert response.status_code == 400
    assert "Sign-in refused" in response.content.decode()
    assert "evil.example" not in response.get("Location", "")


def test_pkce_is_required(app, holder, login):
    browser = Client()
    login(browser, holder)
    response = browser.get(_authorize(app, code_challenge="", code_challenge_method=""))
    assert response.status_code == 302
    assert (
        response["Location"].startswith("https://crm.example/cb?") and "error=invalid_request" in response["Location"]
    )
