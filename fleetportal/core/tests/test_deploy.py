"""`manage.py check --deploy --fail-level WARNING` passes with production settings, and the
security headers are set (QUALITY S12)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from django.core.management.base import SystemCheckError

pytestmark = pytest.mark.spec("S12")

PRODUCTION = {
    "DEBUG": False,
    "DEMO_MODE": False,
    "SECRET_KEY": "k3-" + "Zq8Yw2Lp5Tr7Vx1Nm4Bc6Hd9Jf0Gs3Ka" * 2,
    "ALLOWED_HOSTS": ["portal.example.com"],
    "SECURE_SSL_REDIRECT": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_HSTS_SECONDS": 31536000,
}


def _signing_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


SIGNING_KEY = _signing_key()


@pytest.fixture(autouse=True)
def _deployment_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser tests allow async-unsafe calls for their whole worker; a deployment never does.
    A deployment gives single sign-on its signing key (sso.E001)."""
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    monkeypatch.setenv("OIDC_RSA_PRIVATE_KEY", SIGNING_KEY)


def _production_overrides(settings) -> None:
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)
    # the test settings accept http redirect URIs for the browser tests; production only https
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https"]}


def test_check_deploy_passes_with_production_overrides(settings) -> None:
    _production_overrides(settings)
    call_command("check", "--deploy", "--fail-level", "WARNING")


@pytest.mark.spec("F-11")
def test_check_deploy_fails_without_the_single_sign_on_signing_key(settings, monkeypatch) -> None:
    _production_overrides(settings)
    monkeypatch.delenv("OIDC_RSA_PRIVATE_KEY")
    with pytest.raises(SystemCheckError, match=r"sso\.E001"):
        call_command("check", "--deploy", "--fail-level", "WARNING")


@pytest.mark.parametrize(
    ("name", "weak"),
    [("SESSION_COOKIE_SECURE", False), ("SECURE_HSTS_SECONDS", 0), ("SECRET_KEY", "short"), ("DEBUG", True)],
)
def test_check_deploy_fails_when_a_setting_is_weakened(settings, name, weak) -> None:
    _production_overrides(settings)
    setattr(settings, name, weak)
    with pytest.raises(SystemCheckError):
        call_command("check", "--deploy", "--fail-level", "WARNING")


def _production(tmp_path: Path, *command: str) -> subprocess.CompletedProcess:
    """Run with the real settings module, configured only by the environment (as `make lint`)."""
    root = Path(__file__).resolve().parents[3]
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "DEMO_MODE", "SECURE_COOKIES", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="fleetportal.settings",
        SECRET_KEY=str(PRODUCTION["SECRET_KEY"]),
        ALLOWED_HOSTS="portal.example.com",
        FLEETPORTAL_VAR_DIR=str(tmp_path),
    )
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, *command], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_the_production_settings_module(tmp_path: Path) -> None:
    result = _production(tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.spec("S9")
def test_production_cookies_are_secure_and_http_only(tmp_path: Path) -> None:
    names = [
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "LANGUAGE_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
    ]
    script = "import django; django.setup(); from django.conf import settings as s; " + "; ".join(
        f"print(s.{name})" for name in [*names, "SESSION_COOKIE_SAMESITE", "SECURE_HSTS_SECONDS", "DEBUG"]
    )
    result = _production(tmp_path, "-c", script)
    assert result.returncode == 0, result.stderr
    values = result.stdout.split()
    assert values == ["True"] * len(names) + ["Lax", "31536000", "False"]


@pytest.mark.django_db
def test_security_headers_on_every_page(client, settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/accounts/login/", secure=True)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
