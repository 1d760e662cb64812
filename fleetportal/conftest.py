"""Shared fixtures for every test of the portal (pages, API, Playwright).

Parties
    customer            "Acme Belgium NV" (login domain `acme`, SMS second factor on), with one
                        contract (`customer.contracts.get()`) and one billing account.
    other_customer      "Globex Kft" (login domain `globex`), the tenant that must stay invisible.

Logins (each a `User` in language "en" with the password `PASSWORD`, a verified e-mail address,
a VALIDATED membership, reach it with `user.memberships.get()`):
    holder              contract holder of `customer`, holder@acme.example, alias `admin`,
                        mobile +32 470 00 00 01
    manager             manager of `customer`, manager@acme.example, alias `manager`,
                        mobile +32 470 00 00 02
    billing_manager     manager of `customer` limited to the "billing" function (F-09),
                        billing@acme.example, mobile +32 470 00 00 04
    member              member of `customer`, member@acme.example, alias `mia`,
                        mobile +32 470 00 00 03
    other_holder        contract holder of `other_customer`, admin@globex.example, mobile +36 30 000 0001
    other_member        member of `other_customer`, user@globex.example, mobile +36 30 000 0002
    staff               operator staff, staff@operator.example, no membership, no mobile; an
                        operator admin (every back office page and action, F-93). A support
                        agent's fixture is the back office tests' `support_agent`.
    invited             a Membership (role member) of `customer` invited by the holder through the
                        real `user_invite` action: INVITED, its login has no password yet, the
                        invitation e-mail is in the outbox (`invitation_link(invited)` reads it).

Catalogue
    catalogue           `customer`'s contract, after the seeds' catalogue was loaded
                        (`fleetportal.catalog.demo.load_catalogue`) and the contract retained
                        every plan, option and group bundle at list price (`retain_for`).

Helpers (fixtures that return a function)
    login(client, user, password=PASSWORD)   logs in through the real pages: POST
                        /accounts/login/, then, when the customer asks for it, the SMS code read from
                        the outbox on /login/code/. Returns the last response; fails the test if
                        the login does not succeed.
    number_login(client, number)   logs in by phone number through the real pages (F-08):
                        /login/phone/ with the number, the SMS, then its code read from the outbox.
                        Returns the last response; fails the test if the login does not succeed.
    last_code(target)   the newest 6-digit code sent to an E.164 number, a PhoneNumber, an e-mail
                        address or a User (their mobile number), read from OutboxMessage rows.
    invitation_link(membership)  the path `/invite/<token>/` of the newest invitation e-mail.
    actor_for(user, channel="web")  an `Actor` as the pages build it, to call actions directly.
    manager_actor, member_actor, other_actor, staff_actor   that Actor of `manager`, `member`,
                        `other_holder` and `staff`.
    age_codes()         moves every one-time code an hour into the past, so the resend limits
                        (S4) let a test ask for another code.
    reauthenticate(client, password=PASSWORD)  gives the password again on allauth's
                        /accounts/reauthenticate/, as the profile and security settings ask (S9).

The cache (allauth's rate limits) is cleared and English activated before each test. `PASSWORD` and the factories live
in `fleetportal.core.tests.factories`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from phonenumber_field.phonenumber import PhoneNumber

from fleetportal.accounts import actions
from fleetportal.accounts import session as session_keys
from fleetportal.accounts.api_keys import api_key_create
from fleetportal.accounts.models import ApiKey, Function, Membership, OneTimeCode, Role, StaffRole, User
from fleetportal.catalog.demo import load_catalogue, retain_for
from fleetportal.catalog.models import UsageRate
from fleetportal.core.actor import Actor
from fleetportal.core.models import Channel, Contract, Customer
from fleetportal.core.tests.factories import (
    PASSWORD,
    CustomerFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)
from fleetportal.notifications.models import OutboxMessage
from fleetportal.tests.api_client import ApiClient

CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
INVITE_RE = re.compile(r"/invite/([A-Za-z0-9_\-]+)/")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _seed_rows(request: pytest.FixtureRequest) -> None:
    """A transactional test (threads, races, the browser) ends with a flush, which also empties
    what the data migrations put in the tables: the catalogue's list rates. Whatever test runs
    next on the worker rates usage against them, so a test with the database finds them again
    (one EXISTS query when they are there)."""
    if request.node.get_closest_marker("django_db") is None and not DB_FIXTURES & set(request.fixturenames):
        return
    request.getfixturevalue("_django_db_helper")
    if not UsageRate.objects.filter(plan=None).exists():
        import_module("fleetportal.catalog.migrations.0002_usage_rates").seed_list_rates(django_apps, None)


@pytest.fixture(autouse=True)
def _english_by_default() -> Iterator[None]:
    """Starts every test in English: a page answered in another language leaves it active in the
    worker's thread, which would otherwise leak into the next test."""
    translation.activate("en")
    yield
    translation.deactivate()


# --- parties --------------------------------------------------------------------------------------


@pytest.fixture
def customer(db: None) -> Customer:
    return CustomerFactory.create(name="Acme Belgium NV", login_domain="acme", vat_number="BE0123456749")


@pytest.fixture
def other_customer(db: None) -> Customer:
    return CustomerFactory.create(name="Globex Kft", login_domain="globex", vat_number="HU12345676", language="hu")


def _login_in(customer: Customer, role: str, email: str, phone: str, alias: str = "", **membership: object) -> User:
    user = UserFactory.create(email=email, phone=phone)
    MembershipFactory.create(user=user, customer=customer, role=role, alias=alias, **membership)
    return user


@pytest.fixture
def holder(customer: Customer) -> User:
    return _login_in(customer, Role.HOLDER, "holder@acme.example", "+32470000001", alias="admin")


@pytest.fixture
def manager(customer: Customer) -> User:
    return _login_in(customer, Role.MANAGER, "manager@acme.example", "+32470000002", alias="manager")


@pytest.fixture
def billing_manager(customer: Customer) -> User:
    return _login_in(customer, Role.MANAGER, "billing@acme.example", "+32470000004", functions=[Function.BILLING])


@pytest.fixture
def member(customer: Customer) -> User:
    return _login_in(customer, Role.MEMBER, "member@acme.example", "+32470000003", alias="mia")


@pytest.fixture
def other_holder(other_customer: Customer) -> User:
    return _login_in(other_customer, Role.HOLDER, "admin@globex.example", "+36300000001", alias="admin")


@pytest.fixture
def other_member(other_customer: Customer) -> User:
    return _login_in(other_customer, Role.MEMBER, "user@globex.example", "+36300000002", alias="user")


@pytest.fixture
def staff(db: None) -> User:
    return StaffFactory.create(email="staff@operator.example", staff_role=StaffRole.OPERATOR_ADMIN)


def make_actor(user: User, channel: str = Channel.WEB) -> Actor:
    membership = user.memberships.select_related("customer").exclude(status=Membership.Status.DISABLED).first()
    return Actor(
        user=user,
        channel=Channel.STAFF if user.is_staff and channel == Channel.WEB else channel,
        membership=membership,
        functions=frozenset(membership.functions if membership else ()),
    )


@pytest.fixture
def actor_for() -> Callable[..., Actor]:
    return make_actor


@pytest.fixture
def manager_actor(manager: User) -> Actor:
    return make_actor(manager)


@pytest.fixture
def member_actor(member: User) -> Actor:
    return make_actor(member)


@pytest.fixture
def other_actor(other_holder: User) -> Actor:
    return make_actor(other_holder)


@pytest.fixture
def staff_actor(staff: User) -> Actor:
    return make_actor(staff)


@pytest.fixture
def invited(customer: Customer, holder: User) -> Membership:
    return actions.user_invite(
        actor=make_actor(holder), customer=customer, email="new.employee@acme.example", role=Role.MEMBER
    )


# --- helpers --------------------------------------------------------------------------------------


def read_last_code(target: str | PhoneNumber | User) -> str:
    if isinstance(target, User):
        target = target.phone
    if isinstance(target, PhoneNumber):
        target = target.as_e164
    message = OutboxMessage.objects.filter(recipient=target).order_by("-created_at", "-id").first()
    assert message is not None, f"nothing was sent to {target}"
    found = CODE_RE.search(message.body)
    assert found, f"the last message to {target} holds no code: {message.body!r}"
    return found.group(1)


@pytest.fixture
def last_code(db: None) -> Callable[[str | PhoneNumber | User], str]:
    return read_last_code


def read_invitation_link(membership: Membership) -> str:
    message = (
        OutboxMessage.objects.filter(recipient=membership.user.email, kind=OutboxMessage.Kind.EMAIL)
        .order_by("-created_at", "-id")
        .first()
    )
    assert message is not None, f"no invitation was sent to {membership.user.email}"
    found = INVITE_RE.search(message.body)
    assert found, f"the last e-mail to {membership.user.email} holds no invitation link"
    return f"/invite/{found.group(1)}/"


@pytest.fixture
def invitation_link(db: None) -> Callable[[Membership], str]:
    return read_invitation_link


def age_all_codes() -> None:
    OneTimeCode.objects.update(created_at=timezone.now() - timedelta(hours=1, minutes=1))


@pytest.fixture
def age_codes(db: None) -> Callable[[], None]:
    return age_all_codes


def login_through_pages(client: Client, user: User, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 302, f"login of {user.email} refused: {response.status_code}"
    if client.session.get(session_keys.SMS_PENDING):
        response = client.post("/login/code/", {"code": read_last_code(user)})
        assert response.status_code == 302, f"SMS code of {user.email} refused"
        assert not client.session.get(session_keys.SMS_PENDING)
    assert client.session.get("_auth_user_id") == str(user.pk)
    return response


@pytest.fixture
def login(db: None) -> Callable[..., object]:
    return login_through_pages


def number_login_through_pages(client: Client, number: str):  # type: ignore[no-untyped-def]
    client.post("/login/phone/", {"step": "number", "phone": number})
    client.post("/login/phone/", {"step": "send"})
    response = client.post("/login/phone/", {"step": "code", "code": read_last_code(number)})
    assert client.session.get(session_keys.NUMBER) == number, f"phone-number login of {number} refused"
    return response


@pytest.fixture
def number_login(db: None) -> Callable[..., object]:
    return number_login_through_pages


# --- catalogue ------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(customer: Customer) -> Contract:
    load_catalogue()
    contract = customer.contracts.get()
    retain_for(contract)
    return contract


def reauthenticate_through_pages(client: Client, password: str = PASSWORD) -> None:
    response = client.post("/accounts/reauthenticate/", {"password": password})
    assert response.status_code == 302, "re-authentication refused"


@pytest.fixture
def reauthenticate(db: None) -> Callable[..., None]:
    return reauthenticate_through_pages


# --- API ------------------------------------------------------------------------------------------


@pytest.fixture
def new_key(db: None) -> Callable[..., tuple[ApiKey, str]]:
    """`new_key(manager_user, scopes=("read", "users"))` → (ApiKey, plaintext), made by the real action."""

    def make(user: User, scopes: Sequence[str] = ("read", "users"), name: str = "HR sync") -> tuple[ApiKey, str]:
        return api_key_create(actor=make_actor(user), name=name, scopes=list(scopes))

    return make


@pytest.fixture
def api_client() -> Callable[..., ApiClient]:
    return ApiClient


@pytest.fixture
def key_client(new_key: Callable[..., tuple[ApiKey, str]], holder: User) -> ApiClient:
    """A client with a `read`+`users` key of `customer`."""
    return ApiClient(new_key(holder)[1])
