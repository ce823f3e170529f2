import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from maestro.system.demo import DEMO_PEOPLE

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


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_twice_leaves_identical_row_counts():
    call_command("seed_demo", stdout=StringIO())
    first = _row_counts()

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert _row_counts() == first
    assert first["tenancy.User"] == len(DEMO_PEOPLE)
    assert all(username in out.getvalue() for username, *_ in DEMO_PEOPLE)
