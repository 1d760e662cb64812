"""Single sign-on of a client app in Chromium (F-11): the operator's CRM, registered for the
code flow, sends a manager to the portal's authorize page; the manager logs in with password
and SMS code, allows, and comes back with a code that the app exchanges with its PKCE verifier.
The ID token's signature is checked with the portal's JWKS, and its claims name the manager's
customer and role, the app as audience and the app's nonce."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from jwcrypto import jwk, jwt
from playwright.sync_api import Page, expect

from fleetportal.accounts.models import User
from fleetportal.core.actor import Actor
from fleetportal.core.models import Channel
from fleetportal.sso.actions import client_create

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


@pytest.mark.e2e
@pytest.mark.spec("F-11")
def test_a_client_app_signs_a_manager_in_with_the_portal_login(page: Page, base_url: str, outbox, screenshot) -> None:
    admin = Actor(user=User.objects.get(email="staff@operator.example"), channel=Channel.STAFF)
    callback = f"{base_url}/dashboard/"  # stands in for the app's callback (a redirect is not routable)
    app, secret = client_create(actor=admin, name="Operator CRM", redirect_uris=callback, client_type="confidential")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": callback,
        "scope": "openid profile email",
        "state": "state-42",
        "nonce": "nonce-42",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }

    page.goto("/o/authorize/?" + urlencode(query))
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("E-mail or login name").fill("manager@acme.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/login/code/\?next=%2Fo%2Fauthorize%2F"))  # the second factor first
    page.get_by_label("Code").fill(outbox.code("+32470000002"))
    page.get_by_role("button", name="Log in", exact=True).click()

    expect(page.get_by_role("heading", name="Sign in to Operator CRM with your portal login?")).to_be_visible()
    screenshot(page, "consent")
    page.get_by_role("button", name="Allow").click()
    expect(page).to_have_url(re.compile(r"/dashboard/\?code="))
    returned = parse_qs(urlsplit(page.url).query)
    assert returned["state"] == ["state-42"]

    token = page.request.post(
        "/o/token/",
        form={
            "grant_type": "authorization_code",
            "code": returned["code"][0],
            "redirect_uri": callback,
            "client_id": app.client_id,
            "client_secret": secret,
            "code_verifier": verifier,
        },
    )
    assert token.ok, token.text()
    id_token = token.json()["id_token"]

    keys = jwk.JWKSet.from_json(page.request.get("/o/.well-known/jwks.json").text())
    claims = json.loads(jwt.JWT(jwt=id_token, key=keys, algs=["RS256"]).claims)  # raises on a bad signature
    assert claims["aud"] == app.client_id
    assert claims["nonce"] == "nonce-42"
    assert claims["iss"] == f"{base_url}/o"
    assert claims["customer"]["name"] == "Acme Belgium NV"
    assert claims["role"] == "manager"
    assert claims["email"] == "manager@acme.example"

    replay = page.request.post(
        "/o/token/",
        form={
            "grant_type": "authorization_code",
            "code": returned["code"][0],
            "redirect_uri": callback,
            "client_id": app.client_id,
            "client_secret": secret,
            "code_verifier": verifier,
        },
    )
    assert replay.status == 400  # a code serves once
