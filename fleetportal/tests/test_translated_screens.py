"""No English on a Dutch, French, German or Hungarian screen (F-80, issue 11).

Every SMS and e-mail template, and the main pages of every role, are rendered in each language
while every catalogue lookup is recorded: a msgid whose translation comes back as the English
text (missing from the catalogues, empty, or the same words) fails the test, unless it is on the
allow-list of brand and seed terms in fleetportal/core/tests/test_catalogues.py, the one list
that the catalogue checks use too.

A label computed before the recipient's language is switched on is English whatever the
catalogue says ("Je Fleet Portal-code voor second factor is …"); the messages are therefore
also sent through the real actions, the page's language English, the recipient's another.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import trans_real

from fleetportal.accounts import actions as account_actions
from fleetportal.accounts.codes import CodeRequest, issue_code, new_flow_id
from fleetportal.accounts.models import Membership, OneTimeCode, Role, User
from fleetportal.conftest import login_through_pages, make_actor, reauthenticate_through_pages
from fleetportal.core.models import Contract, Customer
from fleetportal.core.tests.test_catalogues import LOCALE_DIR, TRANSLATED_LANGUAGES, may_read_as_english, parse_po
from fleetportal.fleet.models import Line, SimCard
from fleetportal.fleet.tests.factories import LineFactory, PoolNumberFactory, SimCardFactory
from fleetportal.notifications.models import OutboxMessage

pytestmark = pytest.mark.spec("F-80")

TEMPLATES = Path(settings.BASE_DIR) / "fleetportal" / "templates"
MESSAGE_TEMPLATES = sorted(
    {*TEMPLATES.glob("**/sms/*.txt"), *TEMPLATES.glob("**/email/*_subject.txt"), *TEMPLATES.glob("**/email/*_body.txt")}
)
LETTERS = re.compile(r"[^\W\d_]")


@dataclass
class Lookups:
    """Catalogue lookups made in a language other than English, with the screen that made them."""

    where: str = ""
    untranslated: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    seen: int = 0

    def add(self, language: str, msgid: str, result: str, *english: str) -> None:
        self.seen += 1
        text = msgid.split("\x04")[-1]  # pgettext: "context\x04msgid"
        if result in (msgid, text, *english) and LETTERS.search(text) and not may_read_as_english(language, text):
            self.untranslated.setdefault((language, text), set()).add(self.where)

    def report(self) -> str:
        return "\n".join(
            f"  {language}: {msgid!r} on {', '.join(sorted(where))}"
            for (language, msgid), where in sorted(self.untranslated.items())
        )


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[Lookups]:
    """Every gettext/ngettext (and so pgettext, lazy strings, {% translate %}, {% blocktranslate %})
    answered by a non-English catalogue; the English one is the fallback and is not counted."""
    found = Lookups()
    gettext, ngettext = trans_real.DjangoTranslation.gettext, trans_real.DjangoTranslation.ngettext

    def recorded_gettext(self: trans_real.DjangoTranslation, message: str) -> str:
        result = gettext(self, message)
        if self.language() != "en":
            found.add(self.language(), message, result)
        return result

    def recorded_ngettext(self: trans_real.DjangoTranslation, singular: str, plural: str, n: int) -> str:
        result = ngettext(self, singular, plural, n)
        if self.language() != "en":
            found.add(self.language(), singular, result, plural)
        return result

    monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", recorded_gettext)
    monkeypatch.setattr(trans_real.DjangoTranslation, "ngettext", recorded_ngettext)
    yield found


def _labels(choices: Any) -> list[Any]:
    return [choice.label for choice in choices]  # lazy: translated when the template renders


# Values of the message templates' variables: each choice label in turn, the rest fixed.
CHOICE_VARIABLES: dict[str, Callable[[], list[Any]]] = {
    "purpose": lambda: _labels(OneTimeCode.Purpose),
    "role": lambda: _labels(Role),
}
FIXED_VARIABLES = {
    "code": "123456",
    "minutes": 5,
    "days": 7,
    "customer": "Acme Belgium NV",
    "inviter": "Ann Peeters",
    "link": "https://portal.example/invite/x/",
    "password": "temporary-x",
    "number": "+32470000001",
    "name": "Eva Peeters",
    "activation_code": "LPA:1$smdp.example$1",
    "pin": "1234",
    "puk": "12345678",
    "invoice": SimpleNamespace(
        number="2026/000123",
        kind="company",
        period=date(2026, 3, 1),
        due_on=date(2026, 4, 30),
        total_incl_vat=Decimal("121.00"),
        currency="EUR",
    ),
    "communication": "+++202/6000/12345+++",
}


def _contexts(template: Path) -> Iterator[dict[str, Any]]:
    source = template.read_text(encoding="utf-8")
    used = [name for name in CHOICE_VARIABLES if re.search(rf"{{{{\s*{name}\b", source)]
    yield dict(FIXED_VARIABLES)
    for name in used:
        for value in CHOICE_VARIABLES[name]():
            yield {**FIXED_VARIABLES, name: value}


def test_every_message_template_is_found() -> None:
    names = {str(path.relative_to(TEMPLATES)) for path in MESSAGE_TEMPLATES}
    assert {"accounts/sms/code.txt", "accounts/email/code_body.txt", "accounts/email/invitation_body.txt"} <= names


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_sms_and_email_template_is_translated(language: str, lookups: Lookups) -> None:
    for template in MESSAGE_TEMPLATES:
        name = str(template.relative_to(TEMPLATES))
        lookups.where = name
        for context in _contexts(template):
            with translation.override(language):
                text = render_to_string(name, context)
            for value in context.values():
                if isinstance(value, Promise):  # a label: it must be in the message, translated
                    with translation.override(language):
                        assert str(value) in text, f"{name} in {language} lost {value!r}"
    assert lookups.seen, "nothing was looked up in the catalogues"
    assert not lookups.untranslated, f"English in the {language} messages:\n{lookups.report()}"


# --- the real senders: the request in English, the recipient in another language -------------------


def _last(kind: str, to: str) -> OutboxMessage:
    message = OutboxMessage.objects.filter(kind=kind, recipient=to).order_by("-pk").first()
    assert message is not None, f"nothing sent to {to}"
    return message


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_codes_go_out_with_their_purpose_in_the_recipients_language(
    language: str, customer: Customer, manager: User, age_codes: Callable[[], None]
) -> None:
    translation.activate("en")  # the page that asked for the code
    for purpose in OneTimeCode.Purpose:
        for channel, target in ((OneTimeCode.Channel.SMS, "+32470000002"), (OneTimeCode.Channel.EMAIL, manager.email)):
            age_codes()
            issue_code(
                CodeRequest(
                    purpose=purpose,
                    channel=channel,
                    target=target,
                    flow_id=new_flow_id(),
                    language=language,
                    user=manager,
                    customer=customer,
                )
            )
            body = _last(channel, target).body
            with translation.override(language):
                wanted = str(purpose.label)
            assert wanted in body, f"{language} {channel} code for {purpose.value}: {body!r}"
            assert str(purpose.label) not in body  # the English label


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_invitations_name_the_role_in_the_invitees_language(
    language: str, customer: Customer, holder: User, manager: User
) -> None:
    translation.activate("en")
    for n, role in enumerate((Role.MANAGER, Role.MEMBER)):
        email = f"new{n}@acme.example"
        account_actions.user_invite(
            actor=make_actor(holder), customer=customer, email=email, role=role, language=language
        )
        body = _last(OutboxMessage.Kind.EMAIL, email).body
        with translation.override(language):
            wanted = str(role.label)
        assert wanted in body and str(role.label) not in body, f"{language} invitation as {role}: {body!r}"


# --- the pages ---------------------------------------------------------------------------------------


@pytest.fixture
def fleet(customer: Customer, catalogue: Contract, member: User) -> dict[str, Line]:
    """A line in every status and network state, one of them the member's; stock and free numbers."""
    account = customer.billing_accounts.get()
    plan = catalogue.plans.first()
    assert plan is not None
    lines: dict[str, Line] = {
        status: LineFactory.create(customer=customer, plan=plan.plan, billing_account=account, status=status)
        for status in Line.Status
    }
    Line.objects.filter(pk=lines[Line.Status.ACTIVE].pk).update(user=member, network_state=Line.NetworkState.FAILED)
    Line.objects.filter(pk=lines[Line.Status.PENDING].pk).update(network_state=Line.NetworkState.PENDING)
    SimCardFactory.create(customer=customer)
    PoolNumberFactory.create()
    return lines


class _Texts(HTMLParser):
    """The words a person sees or hears on a page: text and the labelling attributes."""

    SKIP = {"script", "style", "code"}  # <code>: names of CSV columns, API fields, codes
    ATTRIBUTES = {"aria-label", "placeholder", "title", "alt", "data-one", "data-many", "data-none"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skipping += tag in self.SKIP
        self.texts += [value for name, value in attrs if name in self.ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        self._skipping -= tag in self.SKIP

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.texts.append(data)


@functools.cache
def _english_texts(language: str) -> dict[str, str]:
    """English msgids a screen in `language` must not show as they are (casefolded → msgid): those
    the catalogue translates otherwise, without placeholders."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    texts = {}
    for entry in parse_po(path):
        text = entry.msgid
        if not LETTERS.search(text) or "%" in text or "{" in text or may_read_as_english(language, text):
            continue
        texts[" ".join(text.split()).casefold()] = text
    return texts


def english_on(html: str, language: str) -> set[str]:
    """Texts of the page that are an English msgid word for word (ignoring case and spacing): a
    label made before the page's language was switched on, or a word never marked for translation
    but written like one that is."""
    parser = _Texts()
    parser.feed(html)
    english = _english_texts(language)
    return {english[key] for text in parser.texts if (key := " ".join(text.split()).casefold()) in english}


def _visit(client: Client, lookups: Lookups, language: str, urls: list[str]) -> None:
    for url in urls:
        lookups.where = url
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        if response.get("Content-Type", "").startswith("text/html"):
            html = response.content.decode()
            assert f'<html lang="{language}"' in html, f"{url} is not in {language}"
            for text in english_on(html, language):
                lookups.untranslated.setdefault((language, text), set()).add(f"{url} (as shown)")


def _as(user: User, language: str) -> Client:
    User.objects.filter(pk=user.pk).update(language=language)
    user.refresh_from_db()
    client = Client()
    login_through_pages(client, user)
    return client


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_the_main_pages_are_translated(
    language: str,
    lookups: Lookups,
    fleet: dict[str, Line],
    customer: Customer,
    manager: User,
    holder: User,
    member: User,
    staff: User,
    invited: Membership,
) -> None:
    line = fleet[Line.Status.ACTIVE]
    Membership.objects.update(description="Antwerpen")  # the factories describe a login by its role, in English
    anonymous = Client(headers={"accept-language": language})
    _visit(anonymous, lookups, language, ["/accounts/login/", "/login/phone/", "/password/forgot/", "/login/claim/"])

    client = _as(manager, language)
    membership = manager.memberships.get()
    _visit(
        client,
        lookups,
        language,
        [
            "/dashboard/",
            "/fleet/lines/",
            f"/fleet/lines/?status={Line.Status.SUSPENDED}",
            *(f"/fleet/lines/{line.pk}/?tab={tab}" for tab in ("details", "address", "products", "more")),
            f"/fleet/lines/{fleet[Line.Status.PENDING].pk}/",
            f"/fleet/lines/activate/?line={fleet[Line.Status.PENDING].pk}",
            f"/fleet/lines/{line.pk}/swap/",
            f"/fleet/lines/{line.pk}/stop/",
            f"/fleet/lines/{line.pk}/billing/",
            f"/fleet/lines/plan/?line={line.pk}",
            f"/fleet/lines/options/?line={line.pk}",
            "/fleet/lines/export/?format=csv",
            "/fleet/import/",
            "/users/",
            f"/users/{membership.pk}/",
            f"/users/{invited.pk}/",
            "/users/invite/",
            "/contract/",
            f"/contracts/{customer.contracts.get().number}/msa.pdf",
            "/accounts/reauthenticate/?next=/profile/",
        ],
    )
    reauthenticate_through_pages(client)
    _visit(client, lookups, language, ["/profile/"])
    _walk_the_wizard(client, lookups)

    client = _as(holder, language)
    _visit(client, lookups, language, ["/dashboard/", "/api-keys/", "/audit/"])
    reauthenticate_through_pages(client)
    _visit(client, lookups, language, ["/settings/security/"])
    _visit(_as(member, language), lookups, language, ["/me/", f"/me/lines/{line.pk}/confirm/"])
    _visit(_as(staff, language), lookups, language, ["/staff/", "/staff/customers/new/", "/staff/dead-letters/"])

    assert lookups.seen > 500
    assert not lookups.untranslated, f"English on the {language} pages:\n{lookups.report()}"


def _step_data(key: str, form: Any) -> dict[str, Any]:
    """What a manager enters on a step of the add-SIM wizard."""
    if key == "sim":
        return {"iccid": SimCard.objects.filter(status=SimCard.Status.BLANK).values_list("iccid", flat=True)[0]}
    if key == "split":
        return {"split_bill": "no"}
    if key == "profile":
        return {"first_name": "Eva", "last_name": "Peeters", "language": "nl", "email": "eva@acme.example"}
    if key == "plan":
        return {"plan": form.fields["plan"].queryset.first().pk}
    if key == "billing":
        return {"billing_account": form.fields["billing_account"].queryset.first().pk}
    return {"choice": "new"}


def _walk_the_wizard(client: Client, lookups: Lookups) -> None:
    """Every step of the add-SIM wizard, a refused ICCID, the summary, and the flash message of the
    line page it ends on."""
    lookups.where = "the add-SIM wizard"
    response = client.get("/fleet/lines/add/", follow=True)
    url = response.context["step_url"]
    refused = client.post(url, {"iccid": "1234", "nav": "next"})
    assert refused.context["form"].errors
    while response.context["step"] is not None:
        key = response.context["step"].key
        response = client.post(url, {**_step_data(key, response.context["form"]), "nav": "next"})
        assert response.status_code == 200 and not (response.context["form"] and response.context["form"].errors)
        url = response.context["step_url"]
    done = client.post(url, {"nav": "add"}, follow=True)
    assert done.status_code == 200 and done.redirect_chain
