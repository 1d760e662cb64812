"""The OpenAPI document and the docs page: complete, self-contained, CSP-clean, no CDN."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db
OPERATIONS = {
    ("/api/v1/users", "get"): "users_list",
    ("/api/v1/users/{user_id}", "get"): "user_get",
    ("/api/v1/users/{user_id}", "patch"): "user_update",
    ("/api/v1/invitations", "post"): "invitation_create",
    ("/api/v1/users/{user_id}/resend-invitation", "post"): "invitation_resend",
}


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.mark.spec("F-91")
def test_openapi_document_lists_the_user_operations_with_auth_and_errors(client: Client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    doc = json.loads(response.content)

    assert doc["openapi"].startswith("3.1")
    found = {(path, method): op["operationId"] for path, item in doc["paths"].items() for method, op in item.items()}
    assert OPERATIONS.items() <= found.items()
    for path, item in doc["paths"].items():
        for op in item.values():
            assert op["tags"] and op["summary"], path
            # The back office's own endpoints take staff keys, not a customer's (F-93).
            key = "StaffKeyAuth" if path.startswith("/api/v1/staff/") else "ApiKeyAuth"
            assert {key: []} in op["security"], path
            assert {"401", "403"} <= set(op["responses"]), path
    schemes = doc["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["StaffKeyAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["PortalSessionAuth"]["in"] == "cookie"


@pytest.mark.spec("F-91")
def test_every_reference_in_the_document_resolves(client: Client):
    doc = client.get("/api/v1/openapi.json").json()
    for ref in set(_refs(doc)):
        node = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        assert node, ref


@pytest.mark.spec("F-91", "S1")
def test_the_document_offers_no_customer_field(client: Client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ("InvitationIn", "UserPatch"):
        assert "customer" not in schemas[name]["properties"]
    assert schemas["InvitationIn"]["properties"]["role"]["enum"] == ["manager", "member"]


@pytest.mark.spec("F-91", "S12")
def test_docs_page_works_offline_under_the_csp(client: Client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]

    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    for src in sources:
        assert finders.find(src.removeprefix("/static/")), f"{src} is not a shipped static file"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attrs, body in scripts:
        assert "src=" in attrs or 'type="application/json"' in attrs, "inline script would be blocked by the CSP"
        if 'type="application/json"' in attrs:
            assert json.loads(body)["url"] == "/api/v1/openapi.json"
    assert "cdn" not in html.lower()
