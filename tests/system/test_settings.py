import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

# What `make test` passes to `check --deploy`: no DJANGO_DEBUG, nothing embedded.
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DATABASE_URL": "postgres://x@localhost/x",
    "CELERY_BROKER_URL": "redis://localhost:6379/0",
    "DJANGO_ALLOWED_HOSTS": "maestro.example.com",
}


def _run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the project's Python in a clean environment: only what a deploy would set."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "maestro.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"])
def test_production_settings_refuse_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    r = _run_python("-c", "import django; django.setup()", env=env)

    assert r.returncode != 0
    assert "ImproperlyConfigured" in r.stderr
    assert f"{missing} must be set when DJANGO_DEBUG is off" in r.stderr


def test_production_settings_start_with_the_three_required_variables():
    r = _run_python("-c", "import django; django.setup()", env=PRODUCTION_ENV)

    assert r.returncode == 0, r.stderr


def test_deploy_checks_pass_with_a_production_environment():
    r = _run_python("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues" in r.stdout
