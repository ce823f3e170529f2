"""Test settings: `from .settings import *` plus test overrides (CC config/settings/test.py).

The suite runs twice (see Makefile `test`): on the embedded defaults (SQLite, filesystem broker)
and with MAESTRO_TEST_BACKENDS=real against throwaway PostgreSQL and Redis servers that the
pytest fixtures in tests/plugins/backends.py start on loopback and wire in here.
"""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "1")
if "MAESTRO_VAR_DIR" not in os.environ:
    # One throwaway var/ per test process (broker folder, media, static root), removed on exit.
    _var_dir = tempfile.mkdtemp(prefix="maestro-test-")
    atexit.register(shutil.rmtree, _var_dir, ignore_errors=True)
    os.environ["MAESTRO_VAR_DIR"] = _var_dir

from maestro.settings import *  # noqa: E402,F403
from maestro.settings import (  # noqa: E402
    DATABASES,
    INSTALLED_APPS,
    MIDDLEWARE,
    REST_FRAMEWORK,
    SQLITE_OPTIONS,
    STATIC_ROOT,
)

# WhiteNoise warns on every request when STATIC_ROOT is missing; tests never collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

TEST_BACKENDS = os.environ.get("MAESTRO_TEST_BACKENDS", "embedded")

if TEST_BACKENDS == "real":
    # Host, port and credentials are filled in by the postgresql_proc fixture.
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "maestro",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": "",
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
    }
else:
    # A file, not Django's shared-cache in-memory database: there a real Celery worker's thread
    # and the test polling the same table fail at once with "database table is locked" (shared
    # cache takes table locks that ignore the busy timeout). The file gets the embedded options
    # (WAL, IMMEDIATE, busy timeout) from settings, as in the demo.
    _test_db = os.path.join(os.environ["MAESTRO_VAR_DIR"], "test.sqlite3")
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _test_db,
        "TEST": {"NAME": _test_db},
        "OPTIONS": SQLITE_OPTIONS,
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
# The webhook tests post to a receiver on 127.0.0.1.
WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
# The suite makes thousands of calls as a handful of users and keys from 127.0.0.1, and the
# throttle counters live in the cache, which outlives each test: rates no test reaches. The
# throttle tests set real rates with override_settings and clear the cache.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        scope: "1000000/min" for scope in ("user", "anon", "agent", "bad_credentials")
    },
}

# N+1 queries fail the test that causes them (django-zeal): a page or API request that lazily
# loads a relation row by row raises zeal's NPlusOneError, which the test client re-raises. The
# middleware checks each request on its own; tests' setup loops (which call services once per
# row on purpose) are not checked.
INSTALLED_APPS = [*INSTALLED_APPS, "zeal"]
MIDDLEWARE = [*MIDDLEWARE, "zeal.middleware.zeal_middleware"]
# Three loads from one line, not two: views load a row, change it through a service and load it
# again through the same selector for the answer (two queries whatever the data), which is no
# N+1. A relation loaded row by row over three rows or more is.
ZEAL_NPLUSONE_THRESHOLD = 3
ZEAL_SHOW_ALL_CALLERS = False
# Relations that are loaded once per row on purpose, each with why. Keep it short: the fix for
# an N+1 is a select_related/prefetch_related in the selector that lists the rows.
ZEAL_ALLOWLIST: list[dict] = []

# The demo's handoff PDF is rendered by the tests that look at it (tests/demo), not by the
# fifty other tests that seed the demo for something else.
MAESTRO_DEMO_HANDOFF_PDF = False
