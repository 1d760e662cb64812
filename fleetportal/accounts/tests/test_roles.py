"""Tenant isolation (QUALITY S1) and the role matrix (S2), cell by cell.

`MATRIX` is the single source of truth: the tests check every cell against the running portal,
check that every page of `fleetportal/accounts/urls.py` has a row, and check that
`docs/roles.md` shows exactly this matrix. Every `/staff/` page of the whole portal, also those
without a row, is checked to be for operator staff only. After changing the matrix, regenerate the
document with `UPDATE_ROLES_DOC=1 .venv/bin/pytest fleetportal/accounts/tests/test_roles.py`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from fleetportal.accounts import actions
from fleetportal.accounts import urls as account_urls
from fleetportal.accounts.models import Membership
from fleetportal.core.tests.factories import PASSWORD

pytestmark = pytest.mark.spec("S1", "S2")

DOC = Path(__file__).resolve().parents[3] / "docs" / "roles.md"

ROLES = ("anonymous", "holder", "manager", "billing manager", "member", "number login", "staff")

LOGIN = "→ /accounts/login/"
HOME = "→ /"
ME = "→ /me/"
DASH = "→ /dashboard/"
OWN = "→ /users/{own}/"
INVITED = "→ /users/{invited}/"

# "METHOD path [what]" → the answer per role, in the order of ROLES. "→ x" is a redirect to x.
# {own} is the member's membership (same customer), {foreign} a member of another customer,
# {invited} an invited membership of the same customer, {token} its invitation link.
# POST rows send POST_DATA; they come after the pages they could change. The invitation page
# stays last: opening it logs out.
MATRIX: dict[str, tuple[str, ...]] = {
    "GET /": (LOGIN, DASH, DASH, DASH, ME, ME, "→ /staff/"),
    "GET /dashboard/": (LOGIN, "200", "200", "200", "403", ME, "403"),
    "GET /me/": (LOGIN, "200", "200", "200", "200", "200", "200"),
    "GET /users/": (LOGIN, "200", "200", "403", "403", ME, "200"),
    "GET /users/invite/": (LOGIN, "200", "200", "403", "403", ME, "403"),
    "GET /users/{own}/": (LOGIN, "200", "200", "403", "403", ME, "200"),
    "GET /users/{foreign}/": (LOGIN, "404", "404", "403", "403", ME, "200"),
    "GET /settings/security/": (LOGIN, "200", "403", "403", "403", ME, "403"),
    "GET /profile/": (LOGIN, "200", "200", "200", "200", ME, "200"),
    "GET /login/code/": (HOME, HOME, HOME, HOME, HOME, ME, HOME),
    "GET /login/code/wait/{purpose}/": ("200", "200", "200", "200", "200", ME, "200"),
    "GET /login/phone/": ("200", "200", "200", "200", "200", ME, "200"),
    "GET /login/claim/": ("200", "200", "200", "200", "200", ME, "200"),
    "GET /login/claim/code/": ("→ /login/claim/",) * 5 + (ME, "→ /login/claim/"),
    "GET /password/forgot/": ("200", "200", "200", "200", "200", ME, "200"),
    "GET /password/forgot/code/": ("→ /password/forgot/",) * 5 + (ME, "→ /password/forgot/"),
    "GET /password/change-required/": (LOGIN, HOME, HOME, HOME, HOME, ME, HOME),
    "GET /staff/": (LOGIN, "403", "403", "403", "403", ME, "200"),
    "GET /staff/customers/new/": (LOGIN, "403", "403", "403", "403", ME, "200"),
    "POST /profile/language/": (HOME, HOME, HOME, HOME, HOME, HOME, HOME),
    "POST /users/invite/": (LOGIN, "→ /users/", "→ /users/", "403", "403", ME, "403"),
    "POST /users/{own}/ rights": (LOGIN, OWN, OWN, "403", "403", ME, OWN),
    "POST /users/{invited}/ resend": (LOGIN, INVITED, INVITED, "403", "403", ME, INVITED),
    "POST /users/{own}/ role": (LOGIN, OWN, OWN, "403", "403", ME, OWN),
    "POST /users/{own}/ disable": (LOGIN, OWN, OWN, "403", "403", ME, OWN),
    "POST /users/{foreign}/ disable": (LOGIN, "404", "404", "403", "403", ME, "→ /users/{foreign}/"),
    "POST /settings/security/": (LOGIN, "→ /settings/security/", "403", "403", "403", ME, "403"),
    "GET /invite/{token}/": ("200", "200", "200", "200", "200", ME, "200"),
}

POST_DATA: dict[str, dict] = {
    "POST /profile/language/": {"language": "en", "next": "/"},
    "POST /users/invite/": {"email": "new.one@acme.example", "role": "member", "language": "en"},
    "POST /users/{own}/ rights": {"operation": "functions", "functions": ["fleet"]},
    "POST /users/{invited}/ resend": {"operation": "resend"},
    "POST /users/{own}/ role": {"operation": "role", "role": "manager"},
    "POST /users/{own}/ disable": {"operation": "disable"},
    "POST /users/{foreign}/ disable": {"operation": "disable"},
    "POST /settings/security/": {"sms_second_factor": "on", "number_login_functions": ["usage"]},
}

LEGEND = """\
# Role matrix (QUALITY S2)

What each kind of login gets for each page and action of the portal, checked cell by cell by
`fleetportal/accounts/tests/test_roles.py`, which also regenerates this file:
`UPDATE_ROLES_DOC=1 .venv/bin/pytest fleetportal/accounts/tests/test_roles.py`.

- **holder**: the contract holder; **manager**: a fleet manager with every function;
  **billing manager**: a manager limited to the "billing" function (F-09); **member**: an
  employee; **number login**: logged in with a phone number and SMS code (R-I5);
  **staff**: operator staff.
- `200` the page; `403` refused (role or rights); `404` not found: the id belongs to another
  customer (S1; staff see every customer); `→ x` a redirect to x: `/accounts/login/` log in
  first, `/me/` a number login reaches only its own line, a POST that worked goes back to
  its page.
- `{own}` is a member's membership in the same customer, `{foreign}` a member of another
  customer, `{invited}` an invited membership and `{token}` its invitation link, `{purpose}` the
  flow of a code page (its resend countdown). `rights` limits
  a login to some functions, `role` makes the member a manager, `resend` resends an invitation.
- Every logged-in column has given its password again (re-authentication) before the pages
  that ask for it (profile, security settings).
- Every other `/staff/…` page of the portal is checked the same way as `/staff/`: refused to
  everyone but operator staff.
"""


def render_doc() -> str:
    header = "| page | " + " | ".join(ROLES) + " |"
    rule = "|---|" + "---|" * len(ROLES)
    rows = [f"| `{key}` | " + " | ".join(cells) + " |" for key, cells in MATRIX.items()]
    return LEGEND + "\n" + "\n".join([header, rule, *rows]) + "\n"


def _patterns(resolver: URLResolver, prefix: str = "") -> list[str]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append(prefix + str(entry.pattern))
    return found


def _as_route(key: str) -> str:
    path = key.split()[1]
    for name in ("own", "foreign", "invited"):
        path = path.replace("{" + name + "}", "<int:membership_id>")
    return path.replace("{token}", "<str:token>").replace("{purpose}", "<str:purpose>").lstrip("/")


def test_every_page_has_a_row() -> None:
    covered = {_as_route(key) for key in MATRIX}
    pages = {str(p.pattern) for p in account_urls.urlpatterns}
    assert pages <= covered, f"pages without a row in MATRIX: {sorted(pages - covered)}"
    assert all(len(cells) == len(ROLES) for cells in MATRIX.values())
    assert set(POST_DATA) == {key for key in MATRIX if key.startswith("POST")}


def test_docs_roles_md_shows_the_matrix() -> None:
    if os.environ.get("UPDATE_ROLES_DOC"):
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(render_doc(), encoding="utf-8")
    assert DOC.exists(), "docs/roles.md is missing: run with UPDATE_ROLES_DOC=1"
    assert DOC.read_text(encoding="utf-8") == render_doc(), "docs/roles.md is out of date: run with UPDATE_ROLES_DOC=1"


def _answer(response, values: dict[str, object]) -> str:
    if response.status_code not in (301, 302):
        return str(response.status_code)
    path = urlsplit(response["Location"]).path
    for name, value in values.items():
        path = path.replace(f"/{value}/", "/{" + name + "}/")
    return "→ " + path


def _client_for(role: str, request: pytest.FixtureRequest, login, last_code) -> Client:
    client = Client()
    if role == "anonymous":
        return client
    if role == "number login":
        member = request.getfixturevalue("member")
        client.post("/login/phone/", {"step": "number", "phone": member.phone.as_e164})
        client.post("/login/phone/", {"step": "send"})
        client.post("/login/phone/", {"step": "code", "code": last_code(member)})
        assert client.session.get("fp_number") == member.phone.as_e164
        return client
    user = request.getfixturevalue(role.replace(" ", "_"))
    login(client, user)
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(role, request, login, last_code, member, other_member, invited, invitation_link) -> None:
    client = _client_for(role, request, login, last_code)
    values = {
        "own": member.memberships.get().pk,
        "foreign": other_member.memberships.get().pk,
        "invited": invited.pk,
        "token": invitation_link(invited).split("/")[2],
        "purpose": "phone_login",
    }
    column = ROLES.index(role)
    got, expected = {}, {}
    for key, cells in MATRIX.items():
        method, path = key.split()[:2]
        url = path.format(**values)
        response = client.post(url, POST_DATA[key]) if method == "POST" else client.get(url)
        got[key], expected[key] = _answer(response, values), cells[column]
        if key == "POST /users/{invited}/ resend" and response.status_code == 302:
            values["token"] = invitation_link(invited).split("/")[2]  # the resend killed the old link
    assert got == expected


def _staff_urls() -> list[str]:
    """Every /staff/ page of the whole portal, its ids filled in with ones that do not exist."""
    fill = {"int": "999999", "uuid": "00000000-0000-0000-0000-000000000000"}
    return [
        "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: fill.get(str(m.group(1) or "str"), "x"), route)
        for route in _patterns(get_resolver())
        if route.startswith("staff/")
    ]


NOT_FOR_THEM = {
    "anonymous": {LOGIN, "405"},
    "holder": {"403", "405"},
    "manager": {"403", "405"},
    "billing manager": {"403", "405"},
    "member": {"403", "405"},
    "number login": {ME},
}


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_page_is_for_staff_only(role, request, login, last_code, member) -> None:
    """Pages other apps add under /staff/ are checked too, without a row of their own."""
    client = _client_for(role, request, login, last_code)
    urls = _staff_urls()
    assert "/staff/" in urls and len(urls) >= 2
    answers = {url: _answer(client.get(url), {}) for url in urls}
    if role == "staff":
        assert all(answer not in ("403", LOGIN, ME) and not answer.startswith("5") for answer in answers.values())
    else:
        assert {url: answer for url, answer in answers.items() if answer not in NOT_FOR_THEM[role]} == {}


# --- tenant isolation (S1) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        {"operation": "role", "role": "manager"},
        {"operation": "functions", "functions": ["billing"]},
        {"operation": "disable"},
        {"operation": "resend"},
        {"operation": "temporary_password"},
    ],
)
def test_foreign_membership_is_404_for_every_operation(client, login, holder, other_member, operation) -> None:
    foreign = other_member.memberships.get()
    login(client, holder)
    assert client.post(f"/users/{foreign.pk}/", operation).status_code == 404
    foreign.refresh_from_db()
    assert (foreign.role, foreign.status, foreign.functions) == ("member", "validated", [])
    other_member.refresh_from_db()
    assert other_member.check_password(PASSWORD)


def test_user_list_never_shows_another_customer(client, login, manager, other_member, other_holder) -> None:
    login(client, manager)
    for query in ("", "globex", "user@", "+36", "admin"):
        page = client.get("/users/", {"q": query}).content.decode()
        for foreign in ("user@globex.example", "admin@globex.example", "+36 30", "Globex Kft"):
            assert foreign not in page


def test_customer_field_in_the_invite_form_is_ignored(client, login, manager, other_customer) -> None:
    login(client, manager)
    response = client.post(
        "/users/invite/",
        {"email": "x@acme.example", "role": "member", "language": "en", "customer": other_customer.pk},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__email="x@acme.example").customer == manager.memberships.get().customer


def test_actions_refuse_another_customers_memberships(manager, other_member, other_customer, actor_for) -> None:
    from fleetportal.core.errors import PermissionDeniedError

    actor = actor_for(manager)
    foreign = other_member.memberships.get()
    with pytest.raises(PermissionDeniedError):
        actions.membership_change_role(actor=actor, membership=foreign, role="manager")
    with pytest.raises(PermissionDeniedError):
        actions.membership_set_disabled(actor=actor, membership=foreign, disabled=True)
    with pytest.raises(PermissionDeniedError):
        actions.user_invite(actor=actor, customer=other_customer, email="spy@globex.example", role="manager")
    with pytest.raises(PermissionDeniedError):
        actions.customer_set_sms_factor(actor=actor, customer=other_customer, enabled=False)
