"""A production deploy check: without its signing key the provider would answer its first
token request with an error, long after the deploy looked fine."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register(deploy=True)
def signing_key_given(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG or settings.DEMO_MODE or os.environ.get("OIDC_RSA_PRIVATE_KEY", "").strip():
        return []
    return [
        Error(
            "OIDC_RSA_PRIVATE_KEY is not set: single sign-on cannot sign ID tokens.",
            hint="openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048, given to every web process.",
            id="sso.E001",
        )
    ]
