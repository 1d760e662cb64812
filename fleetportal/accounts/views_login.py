"""Pages of the login flows that allauth does not have: the SMS step, login by phone number,
reset by code (e-mail or SMS), "no login yet?", forced password change, invitations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.http import PortalRequest
from fleetportal.core.models import Channel, Contract
from fleetportal.core.phones import display
from fleetportal.core.views import form_error

from . import actions, code_pages, second_factor
from . import session as keys
from .codes import CodeRequest, TooManyCodes, issue_code, new_flow_id, verify_code
from .forms import (
    ClaimForm,
    InvitationAcceptForm,
    PasswordForm,
    PhoneLoginNumberForm,
    ResetCodeForm,
    ResetRequestForm,
    SmsCodeForm,
)
from .models import Membership, OneTimeCode, User
from .selectors import current_membership, holder_of, user_by_login

BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _actor(request: PortalRequest, user: User | None = None) -> Actor:
    return Actor(user=user, channel=Channel.WEB, ip_address=keys.client_ip(request))


def _safe_next(request: PortalRequest) -> str:
    """The `next` page if it is on this site, else "" (no open redirect after the login)."""
    target = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if allowed else ""


def _language(user: User | None) -> str:
    return (user.language if user else "") or get_language() or "en"


@require_http_methods(["GET", "POST"])
def sms_code(request: PortalRequest) -> HttpResponse:
    """The code sent by SMS after the password (F-07), with a resend link."""
    if not request.user.is_authenticated or not request.session.get(keys.SMS_PENDING):
        return redirect("home")
    user = request.user
    form = SmsCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and "resend" in request.POST:
        try:
            second_factor.send_login_code(request, user)
        except TooManyCodes:
            form, status = SmsCodeForm(), 429  # the page says until when (code_pages)
        else:
            messages.info(request, _("A new code was sent."))
            return redirect(second_factor.code_url(_safe_next(request)))
    if request.method == "POST" and form.is_valid():
        flow = request.session.get(keys.flow_key(OneTimeCode.Purpose.LOGIN_SMS), "")
        if verify_code(flow_id=flow, purpose=OneTimeCode.Purpose.LOGIN_SMS, code=form.cleaned_data["code"]):
            request.session.cycle_key()
            del request.session[keys.SMS_PENDING]
            actions.audit_identity(actor=_actor(request, user), action="login.second_factor_ok", user=user)
            chosen = request.session.pop(keys.LANGUAGE, "")
            if chosen and chosen != user.language:  # switched on the code page: now it is the login's
                actions.user_update_profile(actor=_actor(request, user), user=user, language=chosen)
            return redirect(_safe_next(request) or "home")
        actions.audit_identity(actor=_actor(request, user), action="login.second_factor_failed", user=user)
        form.add_error("code", _("This code is wrong or no longer valid."))
    state = code_pages.state_for(request.session, OneTimeCode.Purpose.LOGIN_SMS, next_url=_safe_next(request))
    return render(
        request,
        "accounts/sms_code.html",
        {"form": form, "phone": display(user.phone.as_e164), "state": state},
        status=status,
    )


@require_GET
def code_wait(request: PortalRequest, purpose: str) -> HttpResponse:
    """The countdown of a code page, asked again by htmx until a new code can be asked; then
    the "send a new code" button (code_pages). It reads only this session."""
    if purpose not in code_pages.RESEND:
        raise Http404
    state = code_pages.state_for(request.session, purpose, next_url=_safe_next(request), with_code=False)
    return render(request, "accounts/_resend.html", {"state": state, "polled": True})


def _phone_login_user(e164: str) -> User | None:
    membership = (
        Membership.objects.select_related("user")
        .filter(
            user__phone=e164,
            user__is_active=True,
            status=Membership.Status.VALIDATED,
            customer__suspension__isnull=True,  # a suspended customer's numbers get no code (F-93)
        )
        .order_by("id")
        .first()
    )
    return membership.user if membership else None


@require_http_methods(["GET", "POST"])
def phone_login(request: PortalRequest) -> HttpResponse:
    """Login by phone number and SMS code (F-08): number → ask for the SMS → code."""
    step = request.POST.get("step", "number") if request.method == "POST" else "number"
    number = request.session.get("fp_phone_login_number")
    if step == "number":
        number_form = PhoneLoginNumberForm(request.POST or None)
        if request.method == "POST" and number_form.is_valid():
            request.session["fp_phone_login_number"] = number_form.cleaned_data["phone"]
            return render(
                request,
                "accounts/phone_login.html",
                {"step": "confirm", "phone": display(number_form.cleaned_data["phone"])},
            )
        return render(request, "accounts/phone_login.html", {"step": "number", "form": number_form})
    if not number:
        return redirect("phone_login")
    if step == "send":
        flow = new_flow_id()
        user = _phone_login_user(number)
        membership = current_membership(user, None) if user is not None else None
        code_request = CodeRequest(
            purpose=OneTimeCode.Purpose.PHONE_LOGIN,
            channel=OneTimeCode.Channel.SMS,
            target=number,
            flow_id=flow,
            language=_language(user),
            user=user,
            customer=membership.customer if membership else None,
            ip_address=keys.client_ip(request),
        )
        try:  # unknown numbers get the same page, the same limits and no SMS (QUALITY S6)
            issue_code(code_request, deliver=user is not None)
        except TooManyCodes as exc:  # the page's earlier code, if any, still counts
            code_pages.remember_refused(request.session, OneTimeCode.Purpose.PHONE_LOGIN, exc)
            return _phone_code_page(request, number, SmsCodeForm(), status=429)
        request.session[keys.flow_key(OneTimeCode.Purpose.PHONE_LOGIN)] = flow
        code_pages.remember_sent(request.session, code_request)
        if user is not None:
            actions.audit_identity(
                actor=_actor(request, user),
                action="code.sent",
                user=user,
                customer=membership.customer if membership else None,
                detail={"purpose": "phone_login"},
            )
        return _phone_code_page(request, number, SmsCodeForm())
    form = SmsCodeForm(request.POST)
    if form.is_valid():
        flow = request.session.get(keys.flow_key(OneTimeCode.Purpose.PHONE_LOGIN), "")
        row = verify_code(flow_id=flow, purpose=OneTimeCode.Purpose.PHONE_LOGIN, code=form.cleaned_data["code"])
        if row is not None and row.user is not None and row.target == number:
            auth_login(request, row.user, backend=BACKEND)
            request.session[keys.NUMBER] = number
            actions.audit_identity(
                actor=_actor(request, row.user),
                action="login.ok",
                user=row.user,
                customer=row.customer,
                detail={"method": "phone_number"},
            )
            return redirect("member_home")
        actions.audit_identity(actor=_actor(request), action="login.failed", detail={"method": "phone_number"})
        form.add_error("code", _("This code is wrong or no longer valid."))
    return _phone_code_page(request, number, form)


def _phone_code_page(request: PortalRequest, number: str, form: SmsCodeForm, status: int = 200) -> HttpResponse:
    state = code_pages.state_for(request.session, OneTimeCode.Purpose.PHONE_LOGIN, target=number)
    context = {"step": "code", "form": form, "phone": display(number), "state": state}
    return render(request, "accounts/phone_login.html", context, status=status)


@require_http_methods(["GET", "POST"])
def forgot_password(request: PortalRequest) -> HttpResponse:
    """Ask for a reset code by e-mail or SMS (F-06). Unknown logins get the same answer."""
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _ask_reset_code(request, form.cleaned_data["login"], form.cleaned_data["channel"])
    return render(request, "accounts/forgot_password.html", {"form": form})


def _ask_reset_code(request: PortalRequest, login: str, channel: str) -> HttpResponse:
    """Send a reset code for `login` by `channel`, then the code page. Refused by the limits, the
    code page answers 429 and says why and until when; this page's earlier code for the same
    login still counts, one for another login does not."""
    purpose = OneTimeCode.Purpose.PASSWORD_RESET
    user = user_by_login(login)
    target = ""
    if user is not None and user.is_active:
        target = (user.phone.as_e164 if user.phone else "") if channel == "sms" else user.email
    known = user is not None and bool(target)
    membership = current_membership(user, None) if user is not None and known else None
    same_login = (request.session.get("fp_reset_login"), request.session.get("fp_reset_channel")) == (login, channel)
    flow = new_flow_id()
    code_request = CodeRequest(
        purpose=purpose,
        channel=channel,
        target=target if known else login.strip().lower(),
        flow_id=flow,
        language=_language(user if known else None),
        user=user if known else None,
        customer=membership.customer if membership else None,
        ip_address=keys.client_ip(request),
    )
    request.session["fp_reset_login"], request.session["fp_reset_channel"] = login, channel
    try:  # an unknown login counts against the same limits and gets no message (QUALITY S6)
        issue_code(code_request, deliver=known)
    except TooManyCodes as exc:
        if not same_login or not request.session.get(keys.flow_key(purpose)):
            request.session[keys.flow_key(purpose)] = flow  # a page without a code: the other login's is not this one's
        code_pages.remember_refused(request.session, purpose, exc)
        return _reset_code_page(request, ResetCodeForm(), status=429)
    request.session[keys.flow_key(purpose)] = flow
    code_pages.remember_sent(request.session, code_request)
    if known:
        actions.audit_identity(
            actor=_actor(request, user),
            action="code.sent",
            user=user,
            customer=membership.customer if membership else None,
            detail={"purpose": "password_reset", "channel": channel},
        )
    return redirect("password_forgot_code")


def _reset_code_page(request: PortalRequest, form: ResetCodeForm, status: int = 200) -> HttpResponse:
    state = code_pages.state_for(request.session, OneTimeCode.Purpose.PASSWORD_RESET)
    context = {"form": form, "channel": request.session.get("fp_reset_channel", "email"), "state": state}
    return render(request, "accounts/forgot_password_code.html", context, status=status)


@require_http_methods(["GET", "POST"])
def forgot_password_code(request: PortalRequest) -> HttpResponse:
    flow = request.session.get(keys.flow_key(OneTimeCode.Purpose.PASSWORD_RESET))
    if not flow:
        return redirect("password_forgot")
    if request.method == "POST" and "resend" in request.POST:
        login, channel = request.session.get("fp_reset_login"), request.session.get("fp_reset_channel")
        if not login or channel not in ("email", "sms"):
            return redirect("password_forgot")
        return _ask_reset_code(request, login, channel)
    form = ResetCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        row = verify_code(flow_id=flow, purpose=OneTimeCode.Purpose.PASSWORD_RESET, code=form.cleaned_data["code"])
        if row is None or row.user is None:
            form.add_error("code", _("This code is wrong or no longer valid."))
        else:
            try:
                actions.password_set(
                    actor=_actor(request, row.user),
                    user=row.user,
                    password=form.cleaned_data["password1"],
                    action="password.reset",
                )
            except ActionError as exc:
                form_error(form, exc)
                form.add_error(None, _("The code was used; ask for a new one after choosing a stronger password."))
            else:
                for key in (keys.flow_key(OneTimeCode.Purpose.PASSWORD_RESET), "fp_reset_login"):
                    request.session.pop(key, None)
                messages.success(request, _("Your password was changed. You can log in now."))
                return redirect("account_login")
    return _reset_code_page(request, form)


def _claimable_contract(email: str, phone: str) -> Contract | None:
    """A contract whose e-mail and mobile match and whose holder has no login yet (F-04)."""
    contract = (
        Contract.objects.select_related("customer")
        .filter(contact_email__iexact=email, contact_mobile=phone, customer__suspension__isnull=True)
        .first()
    )
    if contract is None:
        return None
    holder = holder_of(contract.customer)
    if holder is not None and holder.status != Membership.Status.INVITED:
        return None
    return contract


@require_http_methods(["GET", "POST"])
def claim(request: PortalRequest) -> HttpResponse:
    """ "No login yet?": the contract holder claims the login with the contract's e-mail and
    mobile number. The answer is the same whether they match or not (QUALITY S6)."""
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _ask_claim_code(request, form.cleaned_data["email"].lower(), form.cleaned_data["phone"])
    return render(request, "accounts/claim.html", {"form": form})


def _ask_claim_code(request: PortalRequest, email: str, phone: str) -> HttpResponse:
    """Send the claim code by SMS, then the code page; refused by the limits, the code page
    answers 429 with when a new code can be asked and its countdown, like the reset's."""
    purpose = OneTimeCode.Purpose.CLAIM
    contract = _claimable_contract(email, phone)
    flow = new_flow_id()
    code_request = CodeRequest(
        purpose=purpose,
        channel=OneTimeCode.Channel.SMS,
        target=phone,
        flow_id=flow,
        language=contract.customer.language if contract else _language(None),
        customer=contract.customer if contract else None,
        ip_address=keys.client_ip(request),
    )
    same_claim = (request.session.get("fp_claim_email"), request.session.get("fp_claim_phone")) == (email, phone)
    request.session["fp_claim_email"], request.session["fp_claim_phone"] = email, phone
    try:  # no matching contract: the same limits and no SMS (QUALITY S6)
        issue_code(code_request, deliver=contract is not None)
    except TooManyCodes as exc:
        if not same_claim or not request.session.get(keys.flow_key(purpose)):
            request.session[keys.flow_key(purpose)] = flow
        code_pages.remember_refused(request.session, purpose, exc)
        return _claim_code_page(request, ClaimCodeForm(), status=429)
    request.session[keys.flow_key(purpose)] = flow
    code_pages.remember_sent(request.session, code_request)
    if contract is not None:
        request.session["fp_claim_contract"] = contract.pk
        actions.audit_identity(
            actor=_actor(request), action="code.sent", customer=contract.customer, detail={"purpose": "claim"}
        )
    else:
        request.session.pop("fp_claim_contract", None)
    return redirect("claim_code")


def _claim_code_page(request: PortalRequest, form: ResetCodeForm, status: int = 200) -> HttpResponse:
    state = code_pages.state_for(request.session, OneTimeCode.Purpose.CLAIM)
    return render(request, "accounts/claim_code.html", {"form": form, "state": state}, status=status)


class ClaimCodeForm(ResetCodeForm):
    pass


@require_http_methods(["GET", "POST"])
def claim_code(request: PortalRequest) -> HttpResponse:
    flow = request.session.get(keys.flow_key(OneTimeCode.Purpose.CLAIM))
    if not flow:
        return redirect("claim")
    if request.method == "POST" and "resend" in request.POST:
        email, phone = request.session.get("fp_claim_email"), request.session.get("fp_claim_phone")
        if not email or not phone:
            return redirect("claim")
        return _ask_claim_code(request, email, phone)
    form = ClaimCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        row = verify_code(flow_id=flow, purpose=OneTimeCode.Purpose.CLAIM, code=form.cleaned_data["code"])
        contract_id = request.session.get("fp_claim_contract")
        if row is None or contract_id is None:
            form.add_error("code", _("This code is wrong or no longer valid."))
        else:
            try:
                user = actions.holder_claim(
                    actor=_actor(request),
                    contract=Contract.objects.get(pk=contract_id),
                    email=request.session["fp_claim_email"],
                    phone=row.target,
                    password=form.cleaned_data["password1"],
                )
            except ActionError as exc:
                form_error(form, exc)
            else:
                claim_keys = ("fp_claim_contract", "fp_claim_email", "fp_claim_phone")
                for key in (keys.flow_key(OneTimeCode.Purpose.CLAIM), *claim_keys):
                    request.session.pop(key, None)
                auth_login(request, user, backend=BACKEND)
                messages.success(request, _("Your login was created. Welcome!"))
                return redirect("home")
    return _claim_code_page(request, form)


@require_http_methods(["GET", "POST"])
def password_change_required(request: PortalRequest) -> HttpResponse:
    """A temporary password must be changed before anything else works (R-I3)."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    if not request.user.must_change_password:
        return redirect("home")  # not a way to change a password without the current one
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.password_set(actor=request.actor, user=request.user, password=form.cleaned_data["password1"])
        except ActionError as exc:
            form_error(form, exc)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password was changed."))
            return redirect("home")
    return render(request, "accounts/password_change_required.html", {"form": form})


@require_http_methods(["GET", "POST"])
def invitation_accept(request: PortalRequest, token: str) -> HttpResponse:
    """Complete a login from an invitation (F-03)."""
    invitation = actions.invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=410)
    membership = invitation.membership
    if request.user.is_authenticated:
        # A GET changes nothing: the visitor logs out themselves, then comes back to the link.
        return render(request, "accounts/invitation_logged_in.html", {"membership": membership, "next": request.path})
    form = InvitationAcceptForm(
        request.POST or None,
        initial={
            "language": membership.user.language or membership.customer.language,
            "first_name": membership.user.first_name,
            "last_name": membership.user.last_name,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.invitation_accept(
                actor=_actor(request),
                token=token,
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                phone=data["phone"],
                language=data["language"],
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Your login is ready. Log in with your e-mail address and password."))
            return redirect("account_login")
    return render(request, "accounts/invitation_accept.html", {"form": form, "membership": membership})
