"""`make bench-load`: the decision intake under load, next to a bare DRF endpoint, on loopback.

Starts a throwaway PostgreSQL and Redis (as the test suite does), migrates a new database,
seeds an engagement (a process with a playbook, three operators, an agent API key), and serves
it with gunicorn (2 sync workers, 127.0.0.1, production settings: DEBUG off, Redis as broker and
cache). Then, for each number of agents (10 and 50), one locust run (bench/locustfile.py) keeps
that many agents posting as fast as they are answered and alternates the intake and the bare
endpoint in short slices against the same server: a warm-up slice of each, then
BENCH_LOAD_PAIRS pairs of slices, intake/bare then bare/intake, and so on. A shared machine's
load drifts over seconds, so two long runs one after the other compare the neighbours as much
as the code; slices side by side see the same neighbours. Per level it prints each endpoint's
throughput (its answered requests over its slices' time), p50/p95/p99 and errors, the ratio of
each pair's throughputs (intake / bare, its median and range) and the ratio of the totals; the
goal (the intake at >= 0.9x of the bare endpoint) is checked on the median of the pairs.
Afterwards it checks, in the database, that every decision the server acknowledged is stored
exactly once, that every human-routed one has its review task, and how evenly the operators got
them. Everything it started is stopped and removed at the end; nothing but 127.0.0.1 is
contacted, and no database but the one it created is touched.

    BENCH_LOAD_SECONDS=30    seconds of load per endpoint and number of agents, cut into the
                             pairs' slices (e.g. 6 for a quick check); a level takes about twice
                             this, plus a warm-up slice of each endpoint and the pauses between
                             slices, and is stopped at twice this plus two minutes at most
    BENCH_LOAD_PAIRS=6       pairs of slices per level (30 s / 6 pairs: 5 s slices)
    BENCH_LOAD_AGENTS=10,50  concurrent agents, one level each
    BENCH_LOAD_HUMAN_EVERY=10  one intake decision in N goes to a human
"""

import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

PYTHON = sys.executable
BIN = Path(PYTHON).parent
HOST = "127.0.0.1"  # loopback only
TARGETS = ("intake", "bare")
OPERATORS = 3
GOAL = 0.9  # the intake's throughput over the bare endpoint's, median of the pairs
WARM_UP_SECONDS = 2


def _env(database_url: str, redis_url: str, var_dir: str) -> dict[str, str]:
    from bench.common import LEAKY_ENV

    env = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV and k != "DJANGO_DEBUG"}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.load_settings",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=f"{redis_url}/0",
        CACHE_URL=f"{redis_url}/1",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_LOG_LEVEL="WARNING",
        MAESTRO_VAR_DIR=var_dir,
        PYTHONPATH=str(ROOT),
    )
    # Rates no run reaches: the throttles still count every call (part of the cost measured).
    for scope in ("USER", "ANON", "AGENT", "BAD_CREDENTIALS"):
        env[f"MAESTRO_THROTTLE_{scope}"] = "100000000/min"
    return env


def seed() -> None:
    """Run inside a configured Django (`load.py --seed`): print the ids and the key as JSON."""
    import django

    django.setup()
    from bench.bench_intake import RULES
    from maestro.decisions.services import agent_api_key_create
    from maestro.engagements.models import Engagement
    from maestro.mapping.models import DecisionType, Process
    from maestro.playbooks.models import EscalationPlaybook, KnownCounterparty, PlaybookVersion
    from maestro.tenancy.models import Client, Membership, User

    consultant = User.objects.create_user("load-consultant")
    client = Client.objects.create(name="Load", slug="load")
    Membership.objects.create(user=consultant, client=client, role=Membership.Role.CONSULTANT)
    for i in range(OPERATORS):
        operator = User.objects.create_user(f"load-operator-{i}")
        Membership.objects.create(user=operator, client=client, role=Membership.Role.OPERATOR)
    engagement = Engagement.objects.create(client=client, name="Load", lead=consultant)
    process = Process.objects.create(engagement=engagement, name="Load procurement")
    bare = Process.objects.create(engagement=engagement, name="Load bare")
    for i in range(20):
        DecisionType.objects.create(
            engagement=engagement, name=f"type {i}", autonomy="review_below_threshold"
        )
    playbook = EscalationPlaybook.objects.create(process=process)
    PlaybookVersion.objects.create(playbook=playbook, number=1, rules=RULES, created_by=consultant)
    KnownCounterparty.objects.create(process=process, name="Known Supplier")
    _key, secret = agent_api_key_create(engagement=engagement, name="load", by=consultant)
    print(json.dumps({"secret": secret, "process": process.pk, "bare": bare.pk}))


def _free_port() -> int:
    import port_for

    return port_for.select_random()


def _wait_until_serving(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/bench/bare-decisions/", timeout=5)
            return
        except urllib.error.HTTPError:
            return  # 405 for a GET: the application answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "maestro.wsgi:application",
            "--workers=2",
            "--worker-class=sync",
            f"--bind={HOST}:{port}",
            "--backlog=2048",
            "--timeout=60",
            f"--chdir={ROOT}",
            "--error-logfile",
            str(log),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stopped whole at the end
    )


def _locust_level(
    env: dict[str, str], port: int, agents: int, seconds: int, pairs: int, folder: Path, ids: dict
) -> dict:
    """One locust run at `agents` agents: the warm-up and the pairs of slices (locustfile.py)."""
    result_file = folder / f"level-{agents}-{time.monotonic_ns()}.json"
    log_file = folder / f"locust-{agents}.log"
    slice_seconds = seconds / pairs
    # A hard limit well above the planned load (2 x seconds + the warm-up) and the pauses.
    limit = 2 * seconds + 2 * WARM_UP_SECONDS + 120
    run_env = {
        **env,
        "BENCH_LOAD_SECRET": ids["secret"],
        "BENCH_LOAD_PROCESS": str(ids["process"]),
        "BENCH_LOAD_BARE_PROCESS": str(ids["bare"]),
        "BENCH_LOAD_PAIRS": str(pairs),
        "BENCH_LOAD_SLICE_SECONDS": str(slice_seconds),
        "BENCH_LOAD_WARM_UP_SECONDS": str(WARM_UP_SECONDS),
        "BENCH_LOAD_RESULT": str(result_file),
    }
    with log_file.open("w") as log:
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                f"--users={agents}",
                f"--spawn-rate={agents}",
                f"--run-time={limit}s",
                f"--host=http://{HOST}:{port}",
                "--only-summary",
                "--stop-timeout=10",
                "--loglevel=WARNING",
            ],
            env=run_env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
            timeout=limit + 60,
            check=False,  # locust exits 1 when any request failed: reported below
        )
    if not result_file.exists():
        raise RuntimeError(f"locust left no result at {agents} agents:\n{log_file.read_text()}")
    result = json.loads(result_file.read_text())
    if "error" in result:
        raise RuntimeError(f"locust's slices failed at {agents} agents:\n{result['error']}")
    return {"agents": agents, "slice_seconds": slice_seconds, **result}


def _rps(slices: list[dict]) -> float:
    answered = sum(s["requests"] - s["failures"] for s in slices)
    seconds = sum(s["seconds"] for s in slices)
    return answered / seconds if seconds else 0.0


def _summary(level: dict) -> dict:
    """Throughput per endpoint (over all its slices), the pairs' ratios and the totals' ratio."""
    slices = level["slices"]
    by_target = {t: [s for s in slices if s["target"] == t] for t in TARGETS}
    pair_ratios = []
    for pair in sorted({s["pair"] for s in slices}):
        rps = {t: _rps([s for s in by_target[t] if s["pair"] == pair]) for t in TARGETS}
        pair_ratios.append(rps["intake"] / rps["bare"] if rps["bare"] else float("inf"))
    rps = {t: _rps(by_target[t]) for t in TARGETS}
    every = level["warm_up"] + slices
    return {
        "rps": rps,
        "pair_ratios": pair_ratios,
        "median": statistics.median(pair_ratios),
        "totals": rps["intake"] / rps["bare"] if rps["bare"] else float("inf"),
        # Warm-up failures are failures too; unanswered: cut off after the agents' timeout.
        "errors": {
            t: sum(s["failures"] + s["unanswered"] for s in every if s["target"] == t)
            for t in TARGETS
        },
        "messages": sorted({m for s in every for m in s["errors"]})[:5],
    }


def _verify(database_url: str, ids: dict, levels: list[dict]) -> list[str]:
    """What the database says about the acknowledged decisions; problems start with FAIL."""
    import psycopg

    lines = []
    acked_by_target = {
        t: [tuple(a) for level in levels for a in level["acknowledged"][t]] for t in TARGETS
    }
    with psycopg.connect(database_url) as conn:
        for target, process in (("intake", ids["process"]), ("bare", ids["bare"])):
            acked = acked_by_target[target]
            stored = {}
            duplicates = 0
            for case_ref, pk, count in conn.execute(
                "SELECT case_ref, min(id), count(*) FROM decisions_decision WHERE process_id = %s "
                "GROUP BY case_ref",
                [process],
            ):
                stored[case_ref] = pk
                duplicates += count > 1
            missing = [ref for ref, pk, _route in acked if stored.get(ref) != pk]
            extra = len(stored) - len({ref for ref, _pk, _route in acked})
            verdict = "ok" if not missing and not duplicates else "FAIL"
            lines.append(
                f"{verdict} {target}: {len(acked):,} acknowledged, {len(stored):,} stored, "
                f"{len(missing)} acknowledged but not stored as answered, {duplicates} stored "
                f"twice, {extra} stored without an acknowledgement (a request cut off)"
            )
        human = conn.execute(
            "SELECT count(*), count(t.id) FROM decisions_decision d LEFT JOIN handoff_reviewtask t "
            "ON t.decision_id = d.id WHERE d.process_id = %s AND d.route = 'human'",
            [ids["process"]],
        ).fetchone() or (0, 0)
        acked_human = sum(1 for a in acked_by_target["intake"] if a[2] == "human")
        verdict = "ok" if human[0] == human[1] and human[0] >= acked_human else "FAIL"
        lines.append(
            f"{verdict} review tasks: {human[0]:,} human-routed decisions stored, {human[1]:,} "
            f"with a review task ({acked_human:,} acknowledged as human)"
        )
        # Every task stays open, and the intake picks the least-loaded operator under a lock:
        # the operators' counts differ by one at most, however many agents escalate at once.
        loads = [
            n
            for (n,) in conn.execute(
                "SELECT count(t.id) FROM tenancy_user u LEFT JOIN handoff_reviewtask t "
                "ON t.assignee_id = u.id WHERE u.username LIKE %s GROUP BY u.id ORDER BY u.id",
                ["load-operator-%"],
            )
        ]
        (unassigned,) = conn.execute(
            "SELECT count(*) FROM handoff_reviewtask WHERE assignee_id IS NULL"
        ).fetchone() or (0,)
        spread = max(loads) - min(loads) if loads else 0
        verdict = "ok" if spread <= 1 and not unassigned else "FAIL"
        lines.append(
            f"{verdict} operators' review tasks: {loads} (most - fewest = {spread}), "
            f"{unassigned} unassigned"
        )
    return lines


def _report(levels: list[dict], seconds: int, pairs: int) -> bool:
    """Print the table; True when an endpoint had an error."""
    print(
        f"\n{pairs} pairs of {seconds / pairs:g} s slices per endpoint and level ({seconds} s "
        f"each), order alternating; gunicorn 2 sync workers, PostgreSQL, Redis; loopback"
    )
    head = (
        f"{'agents':>6}  {'endpoint':<8} {'requests':>9} {'req/s':>8} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'p99 ms':>7} {'errors':>6}"
    )
    print(head)
    print("-" * len(head))
    failed = False
    for level in levels:
        summary = _summary(level)
        for target in TARGETS:
            figures = level["endpoints"][target]
            print(
                f"{level['agents']:>6}  {target:<8} {figures['requests']:>9,} "
                f"{summary['rps'][target]:>8.1f} {figures['p50']:>7} {figures['p95']:>7} "
                f"{figures['p99']:>7} {summary['errors'][target]:>6}"
            )
        ratios = summary["pair_ratios"]
        met = "met" if summary["median"] >= GOAL else "MISSED"
        print(
            f"{'':>6}  intake/bare: median of {len(ratios)} pairs {summary['median']:.2f}x "
            f"(range {min(ratios):.2f}-{max(ratios):.2f}), totals {summary['totals']:.2f}x; "
            f"goal >= {GOAL}x on the median: {met}"
        )
        print(f"{'':>6}  pairs: {' '.join(f'{r:.2f}' for r in ratios)}")
        for message in summary["messages"]:
            print(f"{'':>6}  error: {message}")
        failed = failed or any(summary["errors"].values())
    return failed


def main() -> int:
    if sys.argv[1:] == ["--seed"]:
        seed()
        return 0
    from bench.servers import throwaway_database, throwaway_postgresql, throwaway_redis

    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
    pairs = int(os.environ.get("BENCH_LOAD_PAIRS", "6"))
    agents_list = [int(a) for a in os.environ.get("BENCH_LOAD_AGENTS", "10,50").split(",")]
    if seconds < 1 or pairs < 1 or min(agents_list) < 1:
        raise SystemExit("BENCH_LOAD_SECONDS, BENCH_LOAD_PAIRS and BENCH_LOAD_AGENTS must be >= 1")
    folder = Path(tempfile.mkdtemp(prefix="maestro-bench-load-"))
    levels: list[dict] = []
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        print("starting a throwaway PostgreSQL and Redis …", file=sys.stderr, flush=True)
        server = stack.enter_context(throwaway_postgresql())
        redis_url = stack.enter_context(throwaway_redis())
        database_url = stack.enter_context(throwaway_database(server, label="load"))
        env = _env(database_url, redis_url, str(folder))
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
        )
        (static := folder / "static").mkdir()
        env["DJANGO_STATIC_ROOT"] = str(static)
        seeded = subprocess.run(
            [PYTHON, str(HERE / "load.py"), "--seed"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        ids = json.loads(seeded.stdout.strip().splitlines()[-1])
        port = _free_port()
        server_process = _gunicorn(env, port, folder / "gunicorn.log")
        stack.callback(_stop, server_process)
        _wait_until_serving(port)
        for agents in agents_list:
            print(
                f"{agents} agents: intake and bare, {pairs} pairs of {seconds / pairs:g} s …",
                file=sys.stderr,
                flush=True,
            )
            levels.append(_locust_level(env, port, agents, seconds, pairs, folder, ids))
        _stop(server_process)
        # The warm-up's decisions were acknowledged too: they are checked, not reported.
        checks = _verify(database_url, ids, levels)
    failed = _report(levels, seconds, pairs)
    print()
    for line in checks:
        print(line)
    return 1 if failed or any(line.startswith("FAIL") for line in checks) else 0


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


if __name__ == "__main__":
    raise SystemExit(main())
