"""Races: run the same write from two threads at once, each on its own database connection,
and collect what each got.

    both_read = threading.Barrier(2, timeout=BARRIER_TIMEOUT)
    results = run_at_once(lambda: save("first"), lambda: save("second"))

A barrier inside the calls (or inside a monkeypatched step of the service) holds both threads
at the racy point, e.g. both have read the row before either writes. Use with
`@pytest.mark.django_db(transaction=True)` (or `transactional_db`): the threads cannot see
rows of a test transaction that never commits.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

BARRIER_TIMEOUT = 10  # seconds a thread waits for the other at a barrier
JOIN_TIMEOUT = 30  # seconds to wait for each thread to finish

# Every race in the suite today runs in both modes: on PostgreSQL the row locks (SELECT ... FOR
# UPDATE) and unique constraints decide it; on the embedded SQLite file each write transaction
# takes the database's one write lock (BEGIN IMMEDIATE, busy timeout), so the second writer
# waits for the first to commit and the service's re-read under the lock decides it. Mark a race
# with this only if it needs two writers inside transactions at the same time.
needs_postgresql = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="Needs two transactions writing at the same time (PostgreSQL row locks); SQLite "
    "lets one writer in at a time. Runs in the real (PostgreSQL) run of make test.",
)


def barrier(parties: int = 2) -> threading.Barrier:
    return threading.Barrier(parties, timeout=BARRIER_TIMEOUT)


def run_at_once(*calls: Callable[[], object]) -> list[object]:
    """Start every call in its own thread and wait for all. Returns, in the calls' order,
    what each returned or the exception it raised. Each thread closes its own connection."""
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - handed to the test, which asserts on it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a racing thread did not finish"
    return results
