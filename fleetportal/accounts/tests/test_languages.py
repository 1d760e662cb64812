"""Languages (F-80): the user's profile language wins over the browser's; the language switch
saves it in the profile; e-mails and SMS are rendered in the recipient's language."""

from __future__ import annotations

from unittest import mock

import pytest
from django.template import loader
from django.utils import translation

from fleetportal.accounts import actions
from fleetportal.accounts.models import Role
from fleetportal.core.models import AuditEvent
from fleetportal.core.tests.factories import PASSWORD
from fleetportal.notifications import outbox
from fleetportal.notifications.models import OutboxMessage

pytestmark = pytest.mark.spec("F-80")


def _language_of(response) -> str:
    return response["Content-Language"]


def test_browser_language_for_anonymous_visitors(client) -> None:
    response = client.get("/accounts/login/", headers={"accept-language": "nl-BE,nl;q=0.9"})
    assert _language_of(response) == "nl"
    assert '<html lang="nl">' in response.content.decode()
    assert _language_of(client.get("/accounts/login/", headers={"accept-language": "hu"})) == "hu"


def test_profile_language_wins_over_the_browser(client, member, login) -> None:
    member.language = "fr"
    member.save()
    login(client, member)
    response = client.get("/me/", headers={"accept-language": "nl"})
    assert response.status_code == 200
    assert _language_of(response) == "fr"
    assert '<html lang="fr">' in response.content.decode()


def test_profile_language_wins_over_the_language_cookie(client, member, login, settings) -> None:
    member.language = "de"
    member.save()
    login(client, member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    assert _language_of(client.get("/me/")) == "de"


@pytest.mark.spec("S13")
def test_language_switch_saves_the_profile_language(client, member, login) -> None:
    login(client, member)
    response = client.post("/profile/language/", {"language": "hu", "next": "/me/"})
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    member.refresh_from_db()
    assert member.language == "hu"
    assert _language_of(client.get("/me/", headers={"accept-language": "en"})) == "hu"
    event = AuditEvent.objects.get(action="profile.changed")
    assert event.before["language"] == "en" and event.after["language"] == "hu"
    # the next session, in another browser, starts in the saved language
    other = client.__class__()
    other.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert _language_of(other.get("/login/code/", headers={"accept-language": "en"})) == "hu"


def test_the_header_switch_posts_to_the_switch_that_saves_the_profile(client, manager, login) -> None:
    """Django's /i18n/setlang/ only sets the cookie, which the profile language overrides: the
    header must post to the portal's switch (and Django's is not mounted, one switch only)."""
    manager.language = "nl"
    manager.save()
    login(client, manager)
    for path in ("/dashboard/", "/fleet/lines/"):
        page = client.get(path).content.decode()
        assert 'class="language-switch" action="/profile/language/"' in page
        response = client.post("/profile/language/", {"language": "fr", "next": path})
        assert response["Location"] == path
        assert _language_of(client.get(path, headers={"accept-language": "nl"})) == "fr"
        client.post("/profile/language/", {"language": "nl", "next": path})
    assert client.post("/i18n/setlang/", {"language": "de"}).status_code == 404


@pytest.mark.spec("F-07", "S9")
def test_switch_while_the_sms_code_is_owed_changes_the_session_then_the_profile(client, manager, last_code) -> None:
    """Before the code, nothing of the profile changes; the code page follows the switch at once,
    and the profile takes the choice once the code is given."""
    manager.language = "nl"
    manager.save()
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    assert _language_of(client.get("/login/code/")) == "nl"
    response = client.post("/profile/language/", {"language": "fr", "next": "/login/code/"})
    assert response["Location"] == "/login/code/"
    assert _language_of(client.get("/login/code/")) == "fr"
    manager.refresh_from_db()
    assert manager.language == "nl"
    assert not AuditEvent.objects.filter(action="profile.changed").exists()
    assert client.post("/login/code/", {"code": last_code(manager)}).status_code == 302
    manager.refresh_from_db()
    assert manager.language == "fr"
    assert _language_of(client.get("/dashboard/")) == "fr"


def test_staff_pages_follow_the_staff_users_language(client, staff, login) -> None:
    staff.language = "nl"
    staff.save()
    login(client, staff)
    for path, dutch in (
        ("/staff/", "Backoffice operator"),
        ("/staff/dead-letters/", "Mislukte berichten"),
        ("/users/", "Zoeken"),
    ):
        response = client.get(path, headers={"accept-language": "en"})
        assert _language_of(response) == "nl", path
        assert dutch in response.content.decode(), path
    client.post("/profile/language/", {"language": "de", "next": "/staff/"})
    assert "Backoffice des Betreibers" in client.get("/staff/").content.decode()


def test_language_switch_goes_back_to_the_address_the_browser_is_on(client, member, login) -> None:
    """An htmx step pushed its own URL after the header's form was rendered with `next`."""
    login(client, member)
    pushed = "http://testserver/fleet/lines/add/draft/3/plan/"
    response = client.post("/profile/language/", {"language": "fr", "next": "/me/"}, headers={"referer": pushed})
    assert response["Location"] == pushed
    foreign = client.post(
        "/profile/language/", {"language": "nl", "next": "/me/"}, headers={"referer": "https://evil.example/x"}
    )
    assert foreign["Location"] == "/me/"


def test_language_switch_ignores_unknown_languages(client, member, login) -> None:
    login(client, member)
    client.post("/profile/language/", {"language": "xx", "next": "/me/"})
    member.refresh_from_db()
    assert member.language == "en"


def test_language_switch_for_anonymous_visitors_sets_the_cookie(client, settings) -> None:
    response = client.post("/profile/language/", {"language": "fr", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert _language_of(client.get("/accounts/login/")) == "fr"


def _render_languages():
    """Spy on the outbox's rendering: the language active while each template renders."""
    seen: list[tuple[str, str | None]] = []
    real = loader.render_to_string

    def spy(template_name, context=None, request=None, using=None):
        seen.append((template_name, translation.get_language()))
        return real(template_name, context, request, using)

    return seen, mock.patch("fleetportal.notifications.outbox.render_to_string", side_effect=spy)


def test_invitation_email_is_rendered_in_the_invitees_language(customer, holder, actor_for) -> None:
    seen, spy = _render_languages()
    with spy, translation.override("en"):
        actions.user_invite(
            actor=actor_for(holder), customer=customer, email="nora@acme.example", role=Role.MEMBER, language="fr"
        )
        assert translation.get_language() == "en"  # the request's language is back afterwards
    assert seen == [
        ("accounts/email/invitation_subject.txt", "fr"),
        ("accounts/email/invitation_body.txt", "fr"),
    ]


def test_login_sms_is_rendered_in_the_users_language(client, member) -> None:
    member.language = "nl"
    member.save()
    seen, spy = _render_languages()
    with spy:
        client.post(
            "/accounts/login/", {"login": member.email, "password": PASSWORD}, headers={"accept-language": "fr"}
        )
    assert seen == [("accounts/sms/code.txt", "nl")]


def test_reset_email_follows_the_users_language_not_the_browsers(client, member) -> None:
    member.language = "de"
    member.save()
    seen, spy = _render_languages()
    with spy:
        client.post("/password/forgot/", {"login": member.email, "channel": "email"}, headers={"accept-language": "fr"})
    assert {language for _, language in seen} == {"de"}
    assert OutboxMessage.objects.filter(recipient=member.email).count() == 1


def test_email_subject_is_translated_by_the_override(db) -> None:
    """A string Django itself translates (its own catalogue) comes out in the message's language."""
    with mock.patch(
        "fleetportal.notifications.outbox.render_to_string",
        side_effect=lambda name, context=None: translation.gettext("Enter a valid email address."),
    ):
        message = outbox.send_email(to="a@example.com", template="any", context={}, language="fr")
    assert message.subject == "Saisissez une adresse de courriel valide."
