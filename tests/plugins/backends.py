"""Backends for the suite's two runs (Makefile `test-embedded` and `test-real`).

embedded (default): a SQLite file and Celery's filesystem broker in a temporary folder; nothing
to start.
real (MAESTRO_TEST_BACKENDS=real): a throwaway PostgreSQL (pytest-postgresql) and Redis
(pytest-redis) on loopback and random free ports, started once per session and removed at the
end. PostgreSQL becomes Django's database and Redis the Celery broker for the whole session.

Fixtures for tests: `celery_broker` (the current mode's broker, empty) and `celery_test_app`
(a Celery app configured like production but on that broker; pair it with
`celery.contrib.testing.worker.start_worker` and `transactional_db`).
"""

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_postgresql import factories as postgresql_factories
from pytest_redis import factories as redis_factories

MODES = ("embedded", "real")
MODE = os.environ.get("MAESTRO_TEST_BACKENDS", "embedded")
REAL = MODE == "real"

# initdb and postgres refuse to run as root (CI runs as root); the wrapper drops to `postgres`.
PG_CTL = str(Path(__file__).with_name("pg_ctl_as_postgres.sh"))

# Password-less (trust) on loopback: pytest-postgresql writes a password file only root can
# read, which initdb, running as `postgres`, could not open.
pg_server = postgresql_factories.postgresql_proc(executable=PG_CTL, host="127.0.0.1", port=None)
redis_server = redis_factories.redis_proc(
    executable=shutil.which("redis-server") or "/usr/bin/redis-server",
    host="127.0.0.1",
    port=None,
    # Redis drops clients idle this long; Celery's producer pool sits idle between tests.
    timeout=3600,
)


def pytest_configure(config: pytest.Config) -> None:
    if MODE not in MODES:
        raise pytest.UsageError(
            f"MAESTRO_TEST_BACKENDS must be one of {', '.join(MODES)}, got {MODE!r}."
        )


def pytest_report_header(config: pytest.Config) -> str:
    if REAL:
        return "backends: real (throwaway PostgreSQL + Redis)"
    return "backends: embedded (SQLite file + filesystem broker)"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request: pytest.FixtureRequest, django_db_modify_db_settings_parallel_suffix: None
) -> None:
    """pytest-django hook, run before the test database is created: in the real run, point
    Django at the throwaway PostgreSQL (settings_test.py already selects the engine)."""
    if not REAL:
        return
    from django.conf import settings

    proc = request.getfixturevalue("pg_server")
    # Mutated in place: the connection handler holds this very dict.
    settings.DATABASES["default"].update(
        HOST=proc.host, PORT=str(proc.port), USER=proc.user, PASSWORD=proc.password or ""
    )


def _redis_url(request: pytest.FixtureRequest) -> str:
    proc = request.getfixturevalue("redis_server")
    return f"redis://{proc.host}:{proc.port}/0"


@pytest.fixture(scope="session", autouse=True)
def _real_celery_broker(request: pytest.FixtureRequest) -> Iterator[None]:
    """In the real run, anything enqueued during the session goes to Redis, as in production."""
    if not REAL:
        yield
        return
    from django.conf import settings

    from maestro.celery import app

    url = _redis_url(request)
    saved = settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS
    settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS = url, {}
    app.conf.update(broker_url=url, broker_transport_options={})
    yield
    settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS = saved


@dataclass
class CeleryBroker:
    url: str
    transport_options: dict = field(default_factory=dict)


@pytest.fixture
def celery_broker(request: pytest.FixtureRequest, tmp_path: Path) -> CeleryBroker:
    """The current mode's broker, with no messages left over from other tests."""
    if REAL:
        import redis

        url = _redis_url(request)
        redis.Redis.from_url(url).flushdb()
        return CeleryBroker(url=url)
    folder = tmp_path / "broker"
    folder.mkdir()
    return CeleryBroker(
        url="filesystem://",
        transport_options={
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(tmp_path / "broker-control"),
            "store_processed": False,
            # Default is 1 s; tests wait for the worker to notice a message.
            "polling_interval": 0.1,
        },
    )


@pytest.fixture
def celery_test_app(celery_broker: CeleryBroker) -> Iterator:
    """A fresh Celery app with the project's settings, on `celery_broker`, made the current
    app for the test so that shared tasks' `.delay()` publish to it."""
    from celery import Celery, _state

    previous_current, previous_default = _state.get_current_app(), _state.default_app
    app = Celery("maestro-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=celery_broker.url,
        broker_transport_options=celery_broker.transport_options,
        # The embedded worker must not take over logging: pytest's capture relies on it.
        worker_hijack_root_logger=False,
    )
    app.autodiscover_tasks()
    app.set_current()
    yield app
    app.close()
    previous_current.set_current()
    _state.set_default_app(previous_default)
