"""Fleet Portal settings: one file, every deployment choice read from the environment.

The defaults run the embedded demo (SQLite, SQLite-backed Huey, local SMS gateway, e-mail
kept in the outbox). Production sets the variables documented in the README.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
VAR_DIR = Path(env.str("FLEETPORTAL_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
# Demo mode shows the demo password on the login page and the /dev/outbox/ pages.
DEMO_MODE = env.bool("DEMO_MODE", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-demo-key-set-SECRET_KEY-in-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "phonenumber_field",
    "django_htmx",
    "huey.contrib.djhuey",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "fleetportal.core",
    "fleetportal.accounts",
    "fleetportal.notifications",
    "fleetportal.catalog",
    "fleetportal.billing",
    "fleetportal.fleet",
    "fleetportal.bundles",
    "fleetportal.simorders",
    "fleetportal.usage",
    "fleetportal.alerts",
    "fleetportal.invoicing",
    "fleetportal.support",
    "fleetportal.payments",
    "fleetportal.network",
    "fleetportal.audit",
    "fleetportal.backoffice",
    "fleetportal.webhooks",
    "fleetportal.sso",
    "oauth2_provider",
    "fleetportal.demo",
    "ninja",  # its static Swagger UI for /api/v1/docs (else it loads the UI from a CDN)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fleetportal.accounts.middleware.AccessGateMiddleware",
    "fleetportal.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fleetportal.urls"
WSGI_APPLICATION = "fleetportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fleetportal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "fleetportal.accounts.context_processors.portal",
            ],
        },
    },
]

# --- Database: SQLite (WAL) by default, PostgreSQL through DATABASE_URL ----------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'fleetportal.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Identity -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "fleetportal.accounts.passwords.CustomerLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "fleetportal.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "fleetportal.accounts.forms.AliasLoginForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"  # addresses are proven by the invitation or claim mail
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Failed-login limits are axes' job (its lock looks like a wrong password, QUALITY S5).
ACCOUNT_RATE_LIMITS = {"login_failed": False, "reauthenticate": "10/m/user"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or DEMO_MODE
MFA_TOTP_ISSUER = "Fleet Portal"

AXES_FAILURE_LIMIT = env.int("LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "fleetportal.accounts.lockout.username_from_attempt"
AXES_LOCKOUT_CALLABLE = "fleetportal.accounts.lockout.same_as_wrong_password"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

PHONENUMBER_DEFAULT_REGION = "BE"
PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"

# One-time codes and their limits (QUALITY S3, S4, S8).
OTP_TTL = timedelta(minutes=5)
OTP_MAX_ATTEMPTS = 5
OTP_PER_MINUTE = 1
OTP_PER_HOUR = 5
OTP_PER_IP_PER_HOUR = env.int("OTP_PER_IP_PER_HOUR", default=30)
OTP_PER_CUSTOMER_PER_HOUR = env.int("OTP_PER_CUSTOMER_PER_HOUR", default=200)
INVITATION_TTL = timedelta(days=7)

# --- Sessions (QUALITY S9) -----------------------------------------------------------------------
SESSION_COOKIE_AGE = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 3600)
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG and not DEMO_MODE)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Security headers (QUALITY S12) --------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE_COOKIES)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE_COOKIES else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# axes.W006: lockouts count per login (account), as NIST 800-63B asks; locking per IP would
# lock out a whole office behind one NAT address. Per-IP caps apply to codes (OTP_PER_IP_…).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# --- Languages (F-80) ----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("nl", "Nederlands"),
    ("fr", "Français"),
    ("en", "English"),
    ("de", "Deutsch"),
    ("hu", "Magyar"),
]
LOCALE_PATHS = [BASE_DIR / "fleetportal" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Brussels")

# --- Static files --------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request when it is missing
# Pico CSS, htmx and portal.css live in fleetportal/static/, which is not an app's static dir.
STATICFILES_DIRS = [BASE_DIR / "fleetportal" / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or DEMO_MODE

# --- Jobs (Huey): SQLite file by default, Redis to scale out to many workers --------------------
HUEY_REDIS_URL = env.str("HUEY_REDIS_URL", default="")
if HUEY_REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "fleetportal",
        "url": HUEY_REDIS_URL,
        "immediate": False,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "fleetportal",
        "filename": env.str("HUEY_SQLITE_PATH", default=str(VAR_DIR / "huey.sqlite3")),
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
    }
# SQLite takes one writer at a time: a second worker thread only waits for the first one's
# transactions and, starved, fails with "database is locked" (seen on `make demo`'s backlog of
# deliveries). One thread there; scale out with PostgreSQL.
ON_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
HUEY["consumer"] = {"workers": env.int("HUEY_WORKERS", default=1 if ON_SQLITE else 2), "worker_type": "thread"}

# --- Messages: e-mail and SMS adapters (sent by the worker from the outbox) --------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Fleet Portal <noreply@operator.example>")
SMS_GATEWAY = env.str("SMS_GATEWAY", default="local")  # "local" or "http"
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_SENDER = env.str("SMS_SENDER", default="FleetPortal")
# An SMTP server that does not answer must fail the try well within the lease.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# How long a worker holds a message it is sending before another may take it over.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
# Webhooks (F-92): never to private, loopback, link-local or reserved addresses unless allowed
# (a lab); https only unless DEBUG; each try gives up after this many seconds.
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=not DEBUG)
WEBHOOKS_TIMEOUT_SECONDS = env.int("WEBHOOKS_TIMEOUT_SECONDS", default=5)
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# Helpdesk tickets (F-70): where a customer's reply goes when no staff member has the ticket.
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="support@operator.example")

# --- Single sign-on (F-11): the portal as an OpenID Connect provider (fleetportal/sso) ----------
from fleetportal.sso.keys import signing_key  # noqa: E402

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "PKCE_REQUIRED": True,
    "OIDC_RSA_PRIVATE_KEY": signing_key(),  # env OIDC_RSA_PRIVATE_KEY (PEM), or made once in VAR_DIR
    "SCOPES": {"openid": "OpenID Connect", "profile": "Name", "email": "E-mail address"},
    "DEFAULT_SCOPES": ["openid"],
    # http only for loopback in DEBUG/DEMO_MODE: the rule is sso.actions.clean_redirect_uris
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG or DEMO_MODE else ["https"],
    # RFC 9700 (the OAuth security BCP) throughout: no implicit or password grant, S256 only,
    # tokens never in the query string, `iss` in the answer, tokens stored hashed, a replayed
    # refresh token revokes its family.
    **{
        f"COMPLIANT_BCP_RFC9700_{gate}": True
        for gate in (
            "IMPLICIT_GRANT",
            "PASSWORD_GRANT",
            "PKCE_METHOD",
            "ACCESS_TOKEN_TRANSPORT",
            "AUTHZ_RESPONSE_ISS",
            "TOKEN_STORAGE",
            "REFRESH_TOKEN",
            "REDIRECT_URI_MATCHING",
            "PKCE_REQUIRED",
        )
    },
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "OAUTH2_VALIDATOR_CLASS": "fleetportal.sso.validator.PortalOAuth2Validator",
    "REQUEST_APPROVAL_PROMPT": "force",
}

# --- Online payments (F-62): the provider new payments use, its webhook's public address -----
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="test")  # "test" (built in) or "mollie"
# The address providers reach the portal's webhook at (a tunnel in development).
PAYMENT_WEBHOOK_BASE_URL = env.str("PAYMENT_WEBHOOK_BASE_URL", default=PORTAL_BASE_URL)
MOLLIE_API_KEY = env.str("MOLLIE_API_KEY", default="")
MOLLIE_TIMEOUT_SECONDS = env.int("MOLLIE_TIMEOUT_SECONDS", default=10)

# --- Invoices (F-60): the operator as the seller on every invoice PDF and UBL e-invoice --------
OPERATOR_NAME = env.str("OPERATOR_NAME", default="Fleet Mobile NV")
OPERATOR_VAT_NUMBER = env.str("OPERATOR_VAT_NUMBER", default="BE0403448140")
OPERATOR_STREET = env.str("OPERATOR_STREET", default="Liersesteenweg 4")
OPERATOR_CITY = env.str("OPERATOR_CITY", default="Mechelen")
OPERATOR_POSTCODE = env.str("OPERATOR_POSTCODE", default="2800")
OPERATOR_COUNTRY = env.str("OPERATOR_COUNTRY", default="BE")
OPERATOR_IBAN = env.str("OPERATOR_IBAN", default="BE71096123456769")
OPERATOR_BIC = env.str("OPERATOR_BIC", default="GKCCBEBB")
OPERATOR_EMAIL = env.str("OPERATOR_EMAIL", default="billing@operator.example")
# The creditor identifier on SEPA direct debit mandates.
OPERATOR_SEPA_CREDITOR_ID = env.str("OPERATOR_SEPA_CREDITOR_ID", default="BE68ZZZ0403448140")

# Bulk changes above this many lines run as worker jobs with a progress page (F-32).
BULK_JOB_THRESHOLD = env.int("BULK_JOB_THRESHOLD", default=500)
# Exports of the SIM overview above this many lines are written by a worker: progress, then a download (F-31).
EXPORT_JOB_THRESHOLD = env.int("EXPORT_JOB_THRESHOLD", default=10_000)
# An export job's file (employees' names and numbers) is deleted this many days after it was
# written (fleet.actions.export_jobs.export_files_expire, daily).
EXPORT_FILE_RETENTION_DAYS = env.int("EXPORT_FILE_RETENTION_DAYS", default=7)

# --- Network provisioning (F-94, R4): adapter, retries, the simulator's behaviour -------------
NETWORK_ADAPTER = env.str("NETWORK_ADAPTER", default="simulator")  # or a dotted path to a class
NETWORK_MAX_ATTEMPTS = env.int("NETWORK_MAX_ATTEMPTS", default=6)
NETWORK_TIMEOUT_SECONDS = env.int("NETWORK_TIMEOUT_SECONDS", default=120)
NETWORK_SIMULATOR_DELAY_SECONDS = env.float("NETWORK_SIMULATOR_DELAY_SECONDS", default=2)
NETWORK_SIMULATOR_PORT_IN_SECONDS = env.float("NETWORK_SIMULATOR_PORT_IN_SECONDS", default=10)
NETWORK_SIMULATOR_FAIL = env.list("NETWORK_SIMULATOR_FAIL", default=[])
NETWORK_SIMULATOR_TIMEOUT = env.list("NETWORK_SIMULATOR_TIMEOUT", default=[])
# NETWORK_ADAPTER=osmo_hlr: the osmo-hlr's CTRL interface, and how long to wait for it (docs/osmo-hlr.md).
OSMO_HLR_CTRL_HOST = env.str("OSMO_HLR_CTRL_HOST", default="127.0.0.1")
OSMO_HLR_CTRL_PORT = env.int("OSMO_HLR_CTRL_PORT", default=4259)
OSMO_HLR_TIMEOUT_SECONDS = env.float("OSMO_HLR_TIMEOUT_SECONDS", default=5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # LOG_FORMAT=json: one JSON object a line (docs/operations.md); else plain text.
    "formatters": {"json": {"()": "fleetportal.core.logging_json.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if env.str("LOG_FORMAT", default="text") == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
LOGGING["loggers"]["weasyprint"] = {"level": "WARNING"}  # type: ignore[index]  # else INFO lines per PDF
ADMIN_PATH = env.str("ADMIN_PATH", default="django-admin")
