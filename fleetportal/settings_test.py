"""Settings for the test suite: the production settings with fast hashing, jobs run inline
and static files served from the source tree."""

import os

from .settings import *  # noqa: F403
from .settings import HUEY, OAUTH2_PROVIDER, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "huey_class": "huey.MemoryHuey", "immediate": True}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_GATEWAY = "local"
SECURE_COOKIES = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
DEMO_MODE = True
# The live server of the browser tests is http on loopback, as in the demo.
OAUTH2_PROVIDER = {**OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"]}
DEBUG = False
NETWORK_SIMULATOR_DELAY_SECONDS = NETWORK_SIMULATOR_PORT_IN_SECONDS = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's shared-cache memory database: threads of one test (the race tests)
    # get connections of their own that wait for the writer's lock (busy_timeout) instead of
    # failing at once with "database table is locked". One file per test process, so that
    # runs side by side never share one; Django deletes it when the run ends.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
