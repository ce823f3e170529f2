"""`make bench-load`: the decision intake under load, next to a bare DRF endpoint, on loopback.

Starts a throwaway PostgreSQL and Redis (as the test suite does), migrates a new database,
seeds an engagement (a process with a playbook, three operators, an agent API key), and serves
it with gunicorn (2 sync workers, 127.0.0.1, production settings: DEBUG off, Redis as broker and
cache). Then locust (bench/locustfile.py) runs, for each number of agents (10 and 50), the
intake and the bare endpoint one after the other, each for a fixed time with every agent
posting as fast as it is answered. Afterwards it checks, in the database, that every decision
the server acknowledged is stored exactly once and that every human-routed one has its review
task, and prints throughput, latency percentiles and errors. Everything it started is stopped
and removed at the end; nothing but 127.0.0.1 is contacted.

    BENCH_LOAD_SECONDS=30    seconds per run (e.g. 5 for a quick check)
    BENCH_LOAD_AGENTS=10,50  concurrent agents, one pair of runs each
"""

import json
import os
import secrets
import signal
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


def _locust(
    env: dict[str, str],
    port: int,
    target: str,
    agents: int,
    seconds: int,
    folder: Path,
    ids: dict,
) -> dict:
    result_file = folder / f"{target}-{agents}-{time.monotonic_ns()}.json"
    run_env = {
        **env,
        "BENCH_LOAD_TARGET": target,
        "BENCH_LOAD_SECRET": ids["secret"],
        "BENCH_LOAD_PROCESS": str(ids["process"] if target == "intake" else ids["bare"]),
        "BENCH_LOAD_RESULT": str(result_file),
    }
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            f"--users={agents}",
            f"--spawn-rate={agents}",
            f"--run-time={seconds}s",
            f"--host=http://{HOST}:{port}",
            "--only-summary",
            "--stop-timeout=10",
            "--loglevel=WARNING",
        ],
        env=run_env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=seconds + 120,
        check=False,  # locust exits 1 when any request failed: reported below
    )
    result = json.loads(result_file.read_text())
    times = sorted(result["times"])

    def percentile(share: float) -> float:
        return times[min(len(times) - 1, int(share * len(times)))] if times else 0.0

    return {
        "target": target,
        "agents": agents,
        "requests": len(times),
        "errors": result["failed"],
        "rps": len(times) / result["seconds"] if result["seconds"] else 0.0,
        "p50": percentile(0.50),
        "p95": percentile(0.95),
        "p99": percentile(0.99),
        "acknowledged": [tuple(a) for a in result["acknowledged"]],
    }


def _verify(database_url: str, ids: dict, runs: list[dict]) -> list[str]:
    """What the database says about the acknowledged decisions; problems start with FAIL."""
    import psycopg

    lines = []
    with psycopg.connect(database_url) as conn:
        for target, process in (("intake", ids["process"]), ("bare", ids["bare"])):
            acked = [a for run in runs if run["target"] == target for a in run["acknowledged"]]
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
                f"twice, {extra} stored without an acknowledgement (a request cut off at the end)"
            )
        human = conn.execute(
            "SELECT count(*), count(t.id) FROM decisions_decision d LEFT JOIN handoff_reviewtask t "
            "ON t.decision_id = d.id WHERE d.process_id = %s AND d.route = 'human'",
            [ids["process"]],
        ).fetchone()
        acked_human = sum(1 for run in runs for a in run["acknowledged"] if a[2] == "human")
        verdict = "ok" if human[0] == human[1] and human[0] >= acked_human else "FAIL"
        lines.append(
            f"{verdict} review tasks: {human[0]:,} human-routed decisions stored, {human[1]:,} "
            f"with a review task ({acked_human:,} acknowledged as human)"
        )
        loads = [
            n
            for (n,) in conn.execute(
                "SELECT count(*) FROM handoff_reviewtask GROUP BY assignee_id ORDER BY 1"
            )
        ]
        lines.append(f"   review tasks per operator: {loads}")
    return lines


def main() -> int:
    if sys.argv[1:] == ["--seed"]:
        seed()
        return 0
    from bench.servers import throwaway_database, throwaway_postgresql, throwaway_redis

    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
    agents_list = [int(a) for a in os.environ.get("BENCH_LOAD_AGENTS", "10,50").split(",")]
    folder = Path(tempfile.mkdtemp(prefix="maestro-bench-load-"))
    runs: list[dict] = []
    with ExitStack() as stack:
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
        warm_up = [_locust(env, port, target, 2, 3, folder, ids) for target in TARGETS]
        for agents in agents_list:
            for target in TARGETS:
                print(f"{target}: {agents} agents, {seconds} s …", file=sys.stderr, flush=True)
                runs.append(_locust(env, port, target, agents, seconds, folder, ids))
        _stop(server_process)
        # The warm-up's decisions were acknowledged too: they are checked, not reported.
        checks = _verify(database_url, ids, warm_up + runs)
    print(f"\n{seconds} s per run; gunicorn 2 sync workers, PostgreSQL, Redis; loopback")
    head = f"{'target':<8} {'agents':>6} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7}"
    head += f" {'p99 ms':>7} {'errors':>6}  vs bare req/s"
    print(head)
    print("-" * len(head))
    bare = {run["agents"]: run["rps"] for run in runs if run["target"] == "bare"}
    for run in runs:
        ratio = f"{run['rps'] / bare[run['agents']]:.2f}x" if run["target"] == "intake" else ""
        print(
            f"{run['target']:<8} {run['agents']:>6} {run['requests']:>9,} {run['rps']:>8.1f} "
            f"{run['p50']:>7.0f} {run['p95']:>7.0f} {run['p99']:>7.0f} {run['errors']:>6}  {ratio}"
        )
    print()
    for line in checks:
        print(line)
    failed = any(line.startswith("FAIL") for line in checks) or any(r["errors"] for r in runs)
    return 1 if failed else 0


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
