"""Throwaway PostgreSQL and Redis servers for the benchmarks, started the way the test suite
starts them (tests/plugins/backends.py): pytest-postgresql's and pytest-redis's executors, on
127.0.0.1 and a free port, in a temporary folder removed afterwards. PostgreSQL runs with its
stock settings; as root, through tests/plugins/pg_ctl_as_postgres.sh (it drops to `postgres`).
"""

import contextlib
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import port_for
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PG_CTL = str(ROOT / "tests" / "plugins" / "pg_ctl_as_postgres.sh")


@contextlib.contextmanager
def throwaway_postgresql() -> Iterator[str]:
    """Start a PostgreSQL server; yield the URL of its maintenance database (`postgres`)."""
    from pytest_postgresql.executors import PostgreSQLExecutor

    folder = Path(tempfile.mkdtemp(prefix="maestro-bench-pg-"))
    port = port_for.select_random()
    executor = PostgreSQLExecutor(
        executable=PG_CTL,
        host="127.0.0.1",
        port=port,
        datadir=str(folder / "server" / "data"),
        unixsocketdir=str(folder / "server"),
        logfile=str(folder / "server" / "postgresql.log"),
        startparams="-w",
        dbname="postgres",
        user="postgres",
    )
    url = f"postgres://postgres@127.0.0.1:{port}/postgres"
    try:
        executor.start()
        _wait_for_connections(url)
        yield url
    finally:
        with contextlib.suppress(Exception):
            executor.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_connections(url: str, *, timeout: float = 60) -> None:
    # The port opens before the server takes connections ("the database system is starting up").
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(url).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextlib.contextmanager
def throwaway_database(server_url: str, *, label: str) -> Iterator[str]:
    """Create a database of our own on a server we started; yield its URL; drop it."""
    name = f"maestro_bench_{label}_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def throwaway_redis() -> Iterator[str]:
    """Start a Redis server (no persistence); yield its URL."""
    from pytest_redis.executor import RedisExecutor

    folder = Path(tempfile.mkdtemp(prefix="maestro-bench-redis-"))
    port = port_for.select_random()
    executor = RedisExecutor(
        executable=shutil.which("redis-server") or "/usr/bin/redis-server",
        databases=4,
        redis_timeout=3600,
        loglevel="warning",
        host="127.0.0.1",
        port=port,
        datadir=folder,
    )
    try:
        executor.start()
        yield f"redis://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(Exception):
            executor.stop()
        shutil.rmtree(folder, ignore_errors=True)
