"""Bad input of every kind gets a 4xx JSON answer naming the field, never a 500 (QUALITY R3)."""

from __future__ import annotations

import json
import re

import pytest

from fleetportal.accounts.models import Membership
from fleetportal.core.models import AuditEvent
from fleetportal.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db
INVITE = "/api/v1/invitations"
GOOD = {"email": "ok@acme.example", "role": "member"}


def assert_field_error(response, status: int, field: str | None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["field"] == field, body
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.mark.spec("F-91", "R3")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "x" * 250 + "@acme.example"}, "email"),
        ({"email": 12}, "email"),
        ({"role": "admin"}, "role"),
        ({"role": "holder"}, "role"),
        ({"role": None}, "role"),
        ({"functions": ["fleet", "everything"]}, "functions.1"),
        ({"functions": "fleet"}, "functions"),
        ({"language": "xx"}, "language"),
        ({"description": "d" * 201}, "description"),
    ],
)
def test_bad_invitation_fields_are_named(key_client, change, field):
    body = assert_field_error(key_client.send("post", INVITE, {**GOOD, **change}), 422, field)
    assert body["code"] == "validation_error"
    assert body["errors"][0]["field"] == field
    assert field in body["detail"]
    assert not Membership.objects.filter(user__email="ok@acme.example").exists()
    assert not OutboxMessage.objects.exists() and not AuditEvent.objects.filter(action="invitation.sent").exists()


@pytest.mark.spec("F-91", "R3")
def test_missing_fields_are_all_listed(key_client):
    body = assert_field_error(key_client.send("post", INVITE, {}), 422, "email")
    assert {e["field"] for e in body["errors"]} == {"email", "role"}
    assert body["errors"][0]["message"] == "This field is required."


@pytest.mark.spec("F-91", "R3")
def test_the_email_error_is_a_sentence(key_client):
    body = key_client.send("post", INVITE, {**GOOD, "email": "nope"}).json()
    assert body["errors"][0]["message"] == "Enter a valid e-mail address."


@pytest.mark.spec("F-91", "R3")
@pytest.mark.parametrize("raw", ["{not json", '{"email": ', "\x00\xff", "null", "[1, 2]", '"text"', "42"])
def test_a_body_that_is_not_a_json_object_is_a_clear_4xx(key_client, raw):
    response = key_client.send("post", INVITE, raw=raw)
    assert response.status_code in (400, 422), response.content
    body = response.json()
    assert body["detail"] and body["code"] in ("parse_error", "validation_error")


@pytest.mark.spec("F-91", "R3")
def test_malformed_json_says_so(key_client):
    body = assert_field_error(key_client.send("post", INVITE, raw="{not json"), 400, "body")
    assert body["code"] == "parse_error"


@pytest.mark.spec("F-91", "R3")
@pytest.mark.parametrize("bad_id", ["abc", "1.5", "-", "9" * 40, "%00"])
def test_a_non_integer_id_is_a_4xx(key_client, bad_id):
    response = key_client.get(f"/api/v1/users/{bad_id}")
    assert 400 <= response.status_code < 500, response.content
    patch = key_client.send("patch", f"/api/v1/users/{bad_id}", {"disabled": True})
    assert 400 <= patch.status_code < 500


@pytest.mark.spec("F-91", "R3")
def test_a_non_integer_id_names_the_parameter(key_client):
    assert_field_error(key_client.get("/api/v1/users/abc"), 422, "user_id")


@pytest.mark.spec("F-91", "R3")
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 10_000}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "9" * 30}, "offset"),
        ({"status": "sleeping"}, "status"),
        ({"role": "boss"}, "role"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_bad_list_parameters_are_named(key_client, query, field):
    assert_field_error(key_client.get("/api/v1/users", query), 422, field)


@pytest.mark.spec("F-91", "R3")
@pytest.mark.parametrize(
    ("patch", "field"),
    [({"role": "owner"}, "role"), ({"disabled": "maybe"}, "disabled"), ({"functions": ["root"]}, "functions.0")],
)
def test_bad_patch_fields_are_named_and_change_nothing(key_client, member, patch, field):
    membership = member.memberships.get()
    assert_field_error(key_client.send("patch", f"/api/v1/users/{membership.pk}", patch), 422, field)
    membership.refresh_from_db()
    assert (membership.role, membership.status, membership.functions) == ("member", "validated", [])


@pytest.mark.spec("F-91", "R3")
def test_unknown_paths_and_methods_answer_json(key_client):
    missing = key_client.get("/api/v1/nothing-here")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    wrong = key_client.send("delete", "/api/v1/users/1")
    assert (wrong.status_code, wrong.json()["code"]) == (405, "method_not_allowed")
    assert set(wrong["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}
    assert key_client.send("put", "/api/v1/invitations", GOOD).status_code == 405


@pytest.mark.spec("F-91", "R3")
@pytest.mark.parametrize("path", ["/api/v1/webhooks/%0A/rotate-secret", "/api/v1/lines/%0D%0A", "/api/v1/%0A"])
def test_a_path_with_a_line_break_answers_json_404(key_client, path):
    """Found by fuzzing: the catch-all's `.*` stopped at a line break, so Django answered HTML 500."""
    response = key_client.send("post", path, {})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.spec("F-91", "R3")
def test_a_refused_action_answers_in_the_same_shape(key_client, member):
    body = json.loads(key_client.send("post", INVITE, {"email": "member@acme.example", "role": "member"}).content)
    assert set(body) == {"detail", "field", "code"}


def _upload_endpoints() -> list[str]:
    """Every operation of the OpenAPI document that takes a multipart body (a file upload)."""
    from fleetportal.api_root import api

    schema = api.get_openapi_schema()
    return sorted(
        path
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
    )


def test_the_upload_endpoints_are_found():
    assert "/api/v1/imports" in _upload_endpoints()


@pytest.mark.spec("F-91", "R3")
@pytest.mark.parametrize("path", _upload_endpoints())
@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        'multipart/form-data; boundary=""',
        "multipart/form-data; charset=utf-8",
    ],
)
def test_a_multipart_body_without_a_boundary_is_a_400(new_key, holder, path, content_type):
    from fleetportal.tests.api_client import ApiClient

    client = ApiClient(new_key(holder, scopes=("read", "users", "fleet"))[1])
    # The document's path template ("/tickets/{ticket_id}/replies") made a URL: the body is read
    # before the id is looked up, so any id will do.
    path = re.sub(r"\{[^}]+\}", "1", path)
    response = client.generic("POST", path, b"--x\r\ngarbage", content_type=content_type)
    body = assert_field_error(response, 400, "body")
    assert body["code"] == "parse_error"
    assert "multipart" in body["detail"]
    # translated like every answer
    french = client.generic(
        "POST", path, b"--x\r\ngarbage", content_type=content_type, headers={"accept-language": "fr"}
    )
    assert french.status_code == 400
    assert french.json()["detail"] != body["detail"]
