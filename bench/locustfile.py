"""Agents for `make bench-load` (bench/load.py starts locust with this file; not run directly).

Each simulated agent posts one decision after another, with no pause, a new case ref each
time: to the product's intake (BENCH_LOAD_TARGET=intake, with the agent API key) or to the bare
DRF endpoint (BENCH_LOAD_TARGET=bare). One in BENCH_LOAD_HUMAN_EVERY intake decisions has a
low confidence, so the playbook sends it to a human and the intake opens a review task.

At the end it writes BENCH_LOAD_RESULT (JSON): every request's response time and whether it
failed, the run's duration (first agent started to last one stopped), and every decision the
server acknowledged (201) as [case_ref, id, route], for bench/load.py to summarise and to check
against the database. (Counted here rather than read from locust's CSV, which can be written
before the last answers are in.)
"""

import itertools
import json
import os
import time
import uuid

from locust import FastHttpUser, constant, events, task

TARGET = os.environ.get("BENCH_LOAD_TARGET", "intake")
SECRET = os.environ.get("BENCH_LOAD_SECRET", "")
PROCESS = int(os.environ.get("BENCH_LOAD_PROCESS", "0"))
HUMAN_EVERY = int(os.environ.get("BENCH_LOAD_HUMAN_EVERY", "10"))
RESULT = os.environ.get("BENCH_LOAD_RESULT", "")

_run = uuid.uuid4().hex[:8]
_numbers = itertools.count()
_acknowledged: list[tuple[str, int, str]] = []
_times: list[float] = []
_failed = 0
_window: dict[str, float] = {}


class Agent(FastHttpUser):
    wait_time = constant(0)

    @task
    def post_decision(self) -> None:
        n = next(_numbers)
        decision = {
            "process": PROCESS,
            "case_ref": f"L-{_run}-{n}",
            "category": "office supplies",
            "proposed_outcome": "approve",
            "confidence": 0.5 if n % HUMAN_EVERY == 0 else 0.93,
            "amount": "1200.00",
            "currency": "USD",
            "counterparty": "Known Supplier",
            "payload": {"lines": [{"sku": "A-1", "qty": 3}], "note": "load"},
        }
        if TARGET == "intake":
            decision["decision_type"] = "type 3"
            headers = {"Authorization": f"Bearer {SECRET}"}
            path = "/api/decisions/"
        else:
            headers = {}
            path = "/bench/bare-decisions/"
        with self.client.post(
            path, json=decision, headers=headers, name=TARGET, catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            body = response.json()
            _acknowledged.append((decision["case_ref"], body["id"], body.get("route", "")))
            response.success()


@events.test_start.add_listener
def _started(**_kwargs) -> None:
    _window["start"] = time.monotonic()


@events.request.add_listener
def _answered(response_time: float, exception: Exception | None, **_kwargs) -> None:
    global _failed
    _times.append(response_time)
    _failed += exception is not None


@events.test_stop.add_listener
def _write_result(**_kwargs) -> None:
    if RESULT:
        result = {
            "seconds": time.monotonic() - _window.get("start", time.monotonic()),
            "times": _times,
            "failed": _failed,
            "acknowledged": _acknowledged,
        }
        with open(RESULT, "w") as out:
            json.dump(result, out)
