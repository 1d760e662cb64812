"""The RSA key that signs the ID tokens (F-11). Production gives it in `OIDC_RSA_PRIVATE_KEY`
(PEM); a development, demo or test run without one makes one once and keeps it in the var
directory, so tokens stay verifiable across restarts and no key is ever committed.

The settings hold `signing_key()`, a lazy string read when the first token is signed: by then
the test settings (DEMO_MODE) have had their say."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import lazy

KEY_FILE = "oidc_rsa_private_key.pem"


def oidc_private_key(given: str, var_dir: Path, *, may_generate: bool) -> str:
    if given.strip():
        return given.replace("\\n", "\n")  # a PEM given on one line of an env file
    if not may_generate:
        raise ImproperlyConfigured("Set OIDC_RSA_PRIVATE_KEY (PEM) for the portal's OpenID Connect provider.")
    path = var_dir / KEY_FILE
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # Written aside, then linked into place: processes starting together (test workers)
        # never read a half-written key, and the first one's key is the one all keep.
        spare = var_dir / f".{KEY_FILE}.{os.getpid()}"
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        try:
            os.link(spare, path)
        except FileExistsError:
            pass
        finally:
            spare.unlink()
    return path.read_text()


def _configured_key() -> str:
    return oidc_private_key(
        os.environ.get("OIDC_RSA_PRIVATE_KEY", ""), settings.VAR_DIR, may_generate=settings.DEBUG or settings.DEMO_MODE
    )


signing_key = lazy(_configured_key, str)
