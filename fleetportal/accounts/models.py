"""Logins, their role in a customer, invitations and one-time codes (SPEC §2)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from fleetportal.core.models import Customer


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.update(is_staff=True, is_superuser=True, staff_role=StaffRole.OPERATOR_ADMIN)
        return self.create_user(email, password, **extra)


class StaffRole(models.TextChoices):
    """What an operator staff member may do in the back office (F-93). An agent works the
    tickets and reads fleets and customers; only an operator admin changes customers, the
    catalogue and prices, the number pool and the SIM stock, and makes staff API keys."""

    SUPPORT_AGENT = "agent", _("Support agent")
    OPERATOR_ADMIN = "admin", _("Operator admin")


class User(AbstractBaseUser, PermissionsMixin):
    """A login. The e-mail is the login name, unique across all users (R-I1)."""

    class Civility(models.TextChoices):
        MR = "mr", _("Mr")
        MS = "ms", _("Ms")
        MX = "mx", _("Mx")

    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    civility = models.CharField(_("civility"), max_length=4, choices=Civility.choices, blank=True)
    phone = PhoneNumberField(_("mobile number"), blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("operator staff"), default=False)
    # Only read for staff; the least of the roles unless an operator admin is meant.
    staff_role = models.CharField(
        _("staff role"), max_length=8, choices=StaffRole.choices, default=StaffRole.SUPPORT_AGENT
    )
    must_change_password = models.BooleanField(_("temporary password"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # R-I1: one login per address, whatever its case.
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case")]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email


class Role(models.TextChoices):
    HOLDER = "holder", _("Contract holder")
    MANAGER = "manager", _("Manager")
    MEMBER = "member", _("Member")


class Function(models.TextChoices):
    """Parts of the portal a manager's rights can be limited to (F-09)."""

    FLEET = "fleet", _("Fleet")
    BILLING = "billing", _("Billing")
    USERS = "users", _("Users")
    SUPPORT = "support", _("Support")


class Membership(models.Model):
    """A login's place in one customer: role, status, rights and its Telekom-style alias."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        VALIDATED = "validated", _("Validated")
        DISABLED = "disabled", _("Disabled")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.INVITED)
    description = models.CharField(_("description"), max_length=200, blank=True)
    alias = models.SlugField(_("login alias"), max_length=60, blank=True)
    functions = models.JSONField(
        _("limited to"), default=list, blank=True, help_text=_("Empty: every function of the role.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["customer", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "customer"], name="one_membership_per_customer"),
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(role="holder"), name="one_holder_per_customer"
            ),
            models.UniqueConstraint(
                fields=["customer", "alias"], condition=~models.Q(alias=""), name="alias_unique_in_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.customer}"  # the audit log's object label: no code of a role

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.HOLDER, Role.MANAGER)


class Invitation(models.Model):
    """A single-use, expiring link that lets an invited person complete their login (F-03)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation for {self.membership}"

    def is_usable(self, now: object = None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.revoked_at is None and self.expires_at > now  # type: ignore[operator]


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS or e-mail, bound to one flow of one browser (QUALITY S3)."""

    class Purpose(models.TextChoices):
        LOGIN_SMS = "login_sms", _("second factor")
        PHONE_LOGIN = "phone_login", _("login by phone number")
        PASSWORD_RESET = "reset", _("password reset")
        CLAIM = "claim", _("first login")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=254, db_index=True, help_text="E.164 number or e-mail address")
    flow_id = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.target}"  # never the code itself


class ApiKey(models.Model):
    """A customer's key for the REST API; only its SHA-256 is stored (F-91)."""

    class Scope(models.TextChoices):
        """The scopes a key may be given, in this one place: the API keys page offers these and
        `api_key_create` refuses any other. Offer a scope only once endpoints ask for it
        (`api_actor(request, scope)`); adding one is a line here, e.g.
        `BILLING = "billing", _("Billing")`. `scopes` is a JSON list without choices: keys keep
        what they were given, so this list changes without a migration."""

        READ = "read", _("Read")
        FLEET = "fleet", _("Change the fleet")
        USERS = "users", _("Manage users")
        BILLING = "billing", _("Invoices and payments")
        SUPPORT = "support", _("Open and answer tickets")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class CustomerSuspension(models.Model):
    """A customer the operator suspended (F-93): while this row exists none of its logins gets
    in (password, phone number, "No login yet?") and none of its API keys is accepted; live
    sessions end at their next request. Reinstating deletes the row; the audit log keeps the
    history."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="suspension")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    suspended_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    suspended_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.customer} suspended"


class StaffApiKey(models.Model):
    """A key for the operator's own integrations with the back office API (F-93): it acts as
    its `owner`, a staff login, with that login's role, and only on the staff endpoints. Made
    by an operator admin; only its SHA-256 is stored, like a customer's key."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
