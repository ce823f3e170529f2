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
from maestro.settings import DATABASES, REST_FRAMEWORK, SQLITE_OPTIONS, STATIC_ROOT  # noqa: E402

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
