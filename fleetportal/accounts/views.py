"""Pages of logged-in people: home by role, the manager dashboard (F-73), the member home,
user management (F-12), the customer's security settings (R-I4, F-08) and one's profile."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.navigation import MANAGER, MEMBER, tiles_for
from fleetportal.core.views import form_error

from . import actions, selectors
from . import session as keys
from .decorators import holder_required, manager_required
from .forms import FunctionsForm, InviteForm, ProfileForm, RoleForm, SecuritySettingsForm
from .models import Membership, Role
from .policy import USERS
from .rights import NUMBER_LOGIN_FUNCTIONS


@login_required
def home(request: LoggedInRequest) -> HttpResponse:
    actor = request.actor
    if actor.is_staff:
        return redirect("staff_home")
    if actor.is_manager:
        return redirect("dashboard")
    return redirect("member_home")


@manager_required()
def dashboard(request: LoggedInRequest) -> HttpResponse:
    """The fleet manager's dashboard (F-73): the tiles the apps registered, as far as the
    manager's rights go (fleetportal/core/navigation.py)."""
    return render(request, "accounts/dashboard.html", {"tiles": tiles_for(request.actor, audience=MANAGER)})


@login_required
def member_home(request: LoggedInRequest) -> HttpResponse:
    """An employee's own page, the member tiles (their lines, F-74); a phone-number login sees
    only this, and only its own line's tiles (R-I5)."""
    return render(request, "accounts/member_home.html", {"tiles": tiles_for(request.actor, audience=MEMBER)})


@manager_required(USERS, staff=True)
def users_list(request: LoggedInRequest) -> HttpResponse:
    actor = request.actor
    search = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    status = status if status in Membership.Status.values else ""
    page = Paginator(selectors.memberships_for(actor, search=search, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/users_list.html",
        {"page": page, "q": search, "status": status, "statuses": Membership.Status.choices},
    )


@manager_required(USERS)
@require_http_methods(["GET", "POST"])
def user_invite(request: LoggedInRequest) -> HttpResponse:
    actor = request.actor
    form = InviteForm(request.POST or None, initial={"language": actor.tenant.language, "role": Role.MEMBER})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.user_invite(
                actor=actor,
                customer=actor.tenant,
                email=data["email"],
                role=data["role"],
                description=data["description"],
                language=data["language"],
                functions=data["functions"],
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The invitation was sent to %(email)s.") % {"email": data["email"]})
            return redirect("users_list")
    return render(request, "accounts/user_invite.html", {"form": form})


@manager_required(USERS, staff=True)
@require_http_methods(["GET", "POST"])
def user_detail(request: LoggedInRequest, membership_id: int) -> HttpResponse:
    actor = request.actor
    membership = selectors.membership_for(actor, membership_id)
    role_form = RoleForm(initial={"role": membership.role})
    functions_form = FunctionsForm(initial={"functions": membership.functions})
    if request.method == "POST":
        operation = request.POST.get("operation")
        try:
            if operation == "role":
                role_form = RoleForm(request.POST)
                if role_form.is_valid():
                    actions.membership_change_role(
                        actor=actor, membership=membership, role=role_form.cleaned_data["role"]
                    )
                    messages.success(request, _("The role was changed."))
                    return redirect("user_detail", membership.pk)
            elif operation == "functions":
                functions_form = FunctionsForm(request.POST)
                if functions_form.is_valid():
                    actions.membership_set_functions(
                        actor=actor, membership=membership, functions=functions_form.cleaned_data["functions"]
                    )
                    messages.success(request, _("The rights were changed."))
                    return redirect("user_detail", membership.pk)
            elif operation == "resend":
                actions.invitation_resend(actor=actor, membership=membership)
                messages.success(request, _("The invitation was sent again; the earlier link no longer works."))
                return redirect("user_detail", membership.pk)
            elif operation in ("disable", "enable"):
                actions.membership_set_disabled(actor=actor, membership=membership, disabled=operation == "disable")
                messages.success(
                    request, _("The login was disabled.") if operation == "disable" else _("The login was enabled.")
                )
                return redirect("user_detail", membership.pk)
            elif operation == "temporary_password":
                actions.user_set_temporary_password(actor=actor, membership=membership)
                messages.success(request, _("A temporary password was sent by e-mail."))
                return redirect("user_detail", membership.pk)
            else:
                messages.error(request, _("Unknown operation."))
        except ActionError as exc:
            messages.error(request, str(exc.message))
    return render(
        request,
        "accounts/user_detail.html",
        {"membership": membership, "role_form": role_form, "functions_form": functions_form},
    )


@holder_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def security_settings(request: LoggedInRequest) -> HttpResponse:
    """The contract holder's switches: SMS step (R-I4) and what a number login may do (F-08).
    Changing the second factor asks for the password again, like the profile (QUALITY S9)."""
    actor = request.actor
    customer = actor.tenant
    form = SecuritySettingsForm(
        request.POST or None,
        initial={
            "sms_second_factor": customer.sms_second_factor,
            "number_login_functions": customer.number_login_functions or list(NUMBER_LOGIN_FUNCTIONS),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["sms_second_factor"] != customer.sms_second_factor:
            actions.customer_set_sms_factor(actor=actor, customer=customer, enabled=data["sms_second_factor"])
        actions.customer_set_number_login_functions(
            actor=actor, customer=customer, functions=data["number_login_functions"]
        )
        messages.success(request, _("The security settings were saved."))
        return redirect("security_settings")
    return render(request, "accounts/security_settings.html", {"form": form})


@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def profile(request: LoggedInRequest) -> HttpResponse:
    """One's language and mobile number; changing them asks for the password again (S9)."""
    user = request.user
    form = ProfileForm(request.POST or None, initial={"language": user.language or "en", "phone": user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            actions.user_update_profile(
                actor=request.actor,
                user=user,
                language=form.cleaned_data["language"],
                phone=form.cleaned_data["phone"] or None,
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def set_language(request: LoggedInRequest) -> HttpResponse:
    """The header's language switch (F-80): Django's (the cookie, the `next` page), and for a
    logged-in user saved in the profile, which wins over the cookie and the browser. The one
    switch of the portal: Django's own /i18n/setlang/ would set only the cookie, which the
    profile language then overrides.

    A session that still owes its SMS code only keeps the choice in the session: nothing of
    the profile changes before the login is complete (sms_code saves it then).

    The page to go back to is the address the browser is on (its Referer, same site only),
    which an htmx step that pushed its own URL has changed since the form's `next` was
    rendered; `next` when there is no such Referer."""
    from django.conf import settings
    from django.views.i18n import set_language as django_set_language

    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        if request.session.get(keys.SMS_PENDING):
            request.session[keys.LANGUAGE] = language
        elif language != request.user.language:
            actions.user_update_profile(actor=request.actor, user=request.user, language=language)
    response = django_set_language(request)
    referer = request.headers.get("referer", "")
    if response.status_code == 302 and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        response["Location"] = referer
    return response
