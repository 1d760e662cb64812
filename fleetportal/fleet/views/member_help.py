"""The help pages for the people who use the lines (F-74): Wi-Fi calling, PIN and PUK, installing
an eSIM, porting one's number, from the member's guide (shared/seeds/001). They live under
/me/help/ so that members, managers and phone-number logins (R-I5) all reach them; each page's
text is a template of translated blocks, its title here, so the menu, the index and the page
name it alike in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from fleetportal.core.http import LoggedInRequest


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str | Promise
    summary: str | Promise

    @property
    def template(self) -> str:
        return f"help/{self.slug.replace('-', '_')}.html"


TOPICS = (
    Topic(
        "wifi-calling-iphone",
        _("Wi-Fi calling on an iPhone"),
        _("Call over your Wi-Fi where the mobile signal is weak."),
    ),
    Topic(
        "wifi-calling-android",
        _("Wi-Fi calling on Android"),
        _("Call over your Wi-Fi where the mobile signal is weak."),
    ),
    Topic("pin-puk", _("PIN and PUK codes"), _("What they are, where to find them, what to do when blocked.")),
    Topic("esim", _("Installing an eSIM"), _("Install your eSIM profile on an iPhone or an Android phone.")),
    Topic("porting", _("Keeping your number"), _("How your number moves from your old operator.")),
)
BY_SLUG = {topic.slug: topic for topic in TOPICS}


def help_topics(actor: object) -> tuple[Topic, ...]:
    """The help tile's figure on the member home: every topic, whoever looks."""
    return TOPICS


@login_required
@require_GET
def help_index(request: LoggedInRequest) -> HttpResponse:
    return render(request, "help/index.html", {"topics": TOPICS})


@login_required
@require_GET
def help_topic(request: LoggedInRequest, slug: str) -> HttpResponse:
    topic = BY_SLUG.get(slug)
    if topic is None:
        raise Http404
    return render(request, topic.template, {"topic": topic, "topics": TOPICS})
