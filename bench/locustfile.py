"""Agents and slices for `make bench-load` (bench/load.py starts locust with this file once per
number of agents; not run on its own).

Each simulated agent posts one decision after another, with no pause, a new case ref each time,
to whichever endpoint is open: the product's intake (`POST /api/decisions/`, with the agent API
key) or the bare DRF endpoint (`POST /bench/bare-decisions/`). One in BENCH_LOAD_HUMAN_EVERY
intake decisions has a low confidence, so the playbook sends it to a human and the intake opens
a review task.

Once every agent is running, a conductor opens the two endpoints in turn, in slices, against the
same server: one warm-up slice of each (BENCH_LOAD_WARM_UP_SECONDS, not reported), then
BENCH_LOAD_PAIRS pairs of BENCH_LOAD_SLICE_SECONDS slices, intake then bare, then bare then
intake, and so on (ABBA), so the machine's drifting load falls on both sides alike. At the end of
a slice the agents stop sending and the conductor waits for every answer, so a slice holds only
its own endpoint's requests, all of them answered; its throughput is its answered requests over
the time from opening to the last answer. Locust's statistics are reset at each slice and give
its requests, failures and response times; each endpoint's slices are merged (StatsEntry.extend)
for its percentiles.

Then it writes BENCH_LOAD_RESULT (JSON) and stops locust: every slice (endpoint, requests,
failures, seconds), every endpoint's merged figures (requests, failures, p50/p95/p99 in ms, the
first error messages), and every decision the server acknowledged (201) as [case_ref, id,
route], by endpoint, for bench/load.py to summarise and to check against the database.
"""

import itertools
import json
import os
import time
import traceback
import uuid

import gevent
from gevent.event import Event
from locust import FastHttpUser, constant, events, task
from locust.env import Environment
from locust.stats import RequestStats

TARGETS = ("intake", "bare")
SECRET = os.environ.get("BENCH_LOAD_SECRET", "")
PROCESS = {
    "intake": int(os.environ.get("BENCH_LOAD_PROCESS", "0")),
    "bare": int(os.environ.get("BENCH_LOAD_BARE_PROCESS", "0")),
}
HUMAN_EVERY = int(os.environ.get("BENCH_LOAD_HUMAN_EVERY", "10"))
PAIRS = int(os.environ.get("BENCH_LOAD_PAIRS", "6"))
SLICE_SECONDS = float(os.environ.get("BENCH_LOAD_SLICE_SECONDS", "5"))
WARM_UP_SECONDS = float(os.environ.get("BENCH_LOAD_WARM_UP_SECONDS", "2"))
RESULT = os.environ.get("BENCH_LOAD_RESULT", "")
TIMEOUT = 30.0  # seconds an agent waits for an answer (a failure after that)
PERCENTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}

_run = uuid.uuid4().hex[:8]
_numbers = itertools.count()
_acknowledged: dict[str, list[tuple[str, int, str]]] = {target: [] for target in TARGETS}
_environment: list[Environment] = []


class _Gate:
    """The endpoint the agents post to (None: closed, they wait) and the unanswered requests."""

    def __init__(self) -> None:
        self.target: str | None = None
        self.opened = Event()
        self.in_flight = 0

    def open(self, target: str) -> None:
        self.target = target
        self.opened.set()

    def close(self) -> None:
        self.target = None
        self.opened.clear()

    def drain(self) -> None:
        deadline = time.monotonic() + TIMEOUT + 5
        while self.in_flight and time.monotonic() < deadline:
            gevent.sleep(0.002)


_gate = _Gate()


class Agent(FastHttpUser):
    wait_time = constant(0)
    network_timeout = TIMEOUT
    connection_timeout = TIMEOUT

    @task
    def post_decision(self) -> None:
        target = _gate.target
        if target is None:
            _gate.opened.wait()
            return
        # Counted before any switch to another greenlet: a closed gate then waits for it.
        _gate.in_flight += 1
        try:
            self._post(target)
        finally:
            _gate.in_flight -= 1

    def _post(self, target: str) -> None:
        n = next(_numbers)
        case_ref = f"L-{_run}-{n}"
        decision = {
            "process": PROCESS[target],
            "case_ref": case_ref,
            "category": "office supplies",
            "proposed_outcome": "approve",
            "confidence": 0.5 if n % HUMAN_EVERY == 0 else 0.93,
            "amount": "1200.00",
            "currency": "USD",
            "counterparty": "Known Supplier",
            "payload": {"lines": [{"sku": "A-1", "qty": 3}], "note": "load"},
        }
        if target == "intake":
            decision["decision_type"] = "type 3"
            headers = {"Authorization": f"Bearer {SECRET}"}
            path = "/api/decisions/"
        else:
            headers = {}
            path = "/bench/bare-decisions/"
        with self.client.post(
            path, json=decision, headers=headers, name=target, catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
                return
            body = response.json()
            _acknowledged[target].append((case_ref, body["id"], body.get("route", "")))
            response.success()


def _slice(environment: Environment, target: str, seconds: float) -> dict:
    """Open `target` for `seconds`, then wait for every answer; locust's figures of the slice."""
    stats = environment.stats
    stats.reset_all()  # nothing is in flight: the gate is closed and drained
    started = time.monotonic()
    _gate.open(target)
    gevent.sleep(seconds)
    _gate.close()
    _gate.drain()
    elapsed = time.monotonic() - started
    entry = stats.get(target, "POST")
    return {
        "target": target,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "seconds": elapsed,
        "unanswered": _gate.in_flight,
        "errors": [f"{e.occurrences}x {e.error}" for e in stats.errors.values()],
        "entry": entry,
    }


def _conduct(environment: Environment) -> None:
    merged = RequestStats(use_response_times_cache=False)
    result: dict = {"warm_up": [], "slices": []}
    try:
        for target in TARGETS:
            result["warm_up"].append(_slice(environment, target, WARM_UP_SECONDS))
        for pair in range(PAIRS):
            for target in TARGETS if pair % 2 == 0 else TARGETS[::-1]:
                piece = _slice(environment, target, SLICE_SECONDS)
                merged.get(target, "POST").extend(piece["entry"])
                result["slices"].append({**piece, "pair": pair})
        result["endpoints"] = {}
        for target in TARGETS:
            entry = merged.get(target, "POST")
            result["endpoints"][target] = {
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                **{
                    name: entry.get_response_time_percentile(share)
                    for name, share in PERCENTILES.items()
                },
            }
    except Exception:
        result["error"] = traceback.format_exc()
    finally:
        _gate.close()
        for piece in result["warm_up"] + result["slices"]:
            piece.pop("entry", None)
        result["acknowledged"] = _acknowledged
        if RESULT:
            with open(RESULT, "w") as out:
                json.dump(result, out)
        assert environment.runner is not None
        environment.runner.quit()


@events.init.add_listener
def _keep_environment(environment: Environment, **_kwargs) -> None:
    _environment.append(environment)


@events.spawning_complete.add_listener
def _start_conducting(**_kwargs) -> None:
    gevent.spawn(_conduct, _environment[0])
