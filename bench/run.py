"""Run every bench/bench_*.py on SQLite and PostgreSQL and print one table of ratios
(`make bench`).

    .venv/bin/python bench/run.py                  # both backends, 3 interleaved runs
    .venv/bin/python bench/run.py intake           # only bench_intake
    BENCH_RUNS=1 BENCH_BACKENDS=sqlite .venv/bin/python bench/run.py

PostgreSQL is a throwaway server started for the run (as the test suite starts it) and each run
gets a new database on it; SQLite is a new file per run. Nothing else is touched: the caller's
DATABASE_URL is ignored. BENCH_DATABASE_URL=postgres://… runs the PostgreSQL side against that
database instead (explicitly given, so it is migrated and the benchmark's rows are added to it,
under names of their own each run: a scratch database).

Each run of each backend is a fresh process; the runs alternate the backends' order, and the
table shows the median of the runs' figures and the spread of their ratios.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

BACKENDS = ("sqlite", "postgresql")


def worker(database_url: str | None, out: str, selected: list[str]) -> int:
    """One run on one database, in this process: the results go to `out` as JSON."""
    import importlib

    from bench.common import setup_django

    setup_django(database_url)
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if selected:
        modules = [m for m in modules if any(s in m for s in selected)]
    results = []
    for name in modules:
        print(f"  {name} …", file=sys.stderr, flush=True)
        results.extend(r.as_dict() for r in importlib.import_module(f"bench.{name}").run())
    Path(out).write_text(json.dumps(results))
    return 0


def _one_run(backend: str, database_url: str | None, selected: list[str]) -> list[dict]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = out.name
    try:
        command = [sys.executable, str(HERE / "run.py"), "--worker", database_url or "", path]
        subprocess.run([*command, *selected], check=True, cwd=ROOT)
        return json.loads(Path(path).read_text())
    finally:
        os.unlink(path)


def _table(runs: dict[str, list[list[dict]]]) -> list[str]:
    """One row per benchmark case: per backend, median ours/baseline ms and the median ratio
    of the runs (with their lowest and highest)."""
    backends = [b for b in BACKENDS if runs.get(b)]
    cases: dict[tuple[str, str], dict] = {}
    for backend in backends:
        for run in runs[backend]:
            for r in run:
                row = cases.setdefault((r["benchmark"], r["case"]), {"goal": r["goal"]})
                row.setdefault(backend, []).append(r)
    head = f"{'benchmark':<22} {'case':<17}"
    for backend in backends:
        head += f" | {backend + ' ours/base ms':>23} {'ratio':>6} {'(min–max)':>11}"
    head += " | goal"
    lines = [head, "-" * len(head)]
    for (benchmark, case), row in cases.items():
        line = f"{benchmark:<22} {case:<17}"
        met = True
        for backend in backends:
            got = row.get(backend, [])
            if not got:
                line += f" | {'':>23} {'':>6} {'':>11}"
                continue
            ratios = [r["ours_ms"] / r["baseline_ms"] for r in got]
            ratio = statistics.median(ratios)
            ours = statistics.median(r["ours_ms"] for r in got)
            base = statistics.median(r["baseline_ms"] for r in got)
            spread = f"({min(ratios):.2f}–{max(ratios):.2f})"
            line += f" | {ours:>11.2f} /{base:>10.2f} {ratio:>5.2f}x {spread:>11}"
            if row["goal"] is not None and ratio > row["goal"]:
                met = False
        goal = row["goal"]
        line += " | " + (f"≤ {goal:.2f}x {'ok' if met else 'MISSED'}" if goal else "report")
        lines.append(line)
    return lines


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        return worker(argv[1] or None, argv[2], argv[3:])
    selected = argv
    runs_count = int(os.environ.get("BENCH_RUNS", "3"))
    backends = [b.strip() for b in os.environ.get("BENCH_BACKENDS", ",".join(BACKENDS)).split(",")]
    unknown = set(backends) - set(BACKENDS)
    if unknown or runs_count < 1:
        print(f"BENCH_BACKENDS takes {', '.join(BACKENDS)}; BENCH_RUNS ≥ 1", file=sys.stderr)
        return 2
    given = os.environ.get("BENCH_DATABASE_URL", "")
    runs: dict[str, list[list[dict]]] = {b: [] for b in backends}
    with ExitStack() as stack:
        server = None
        if "postgresql" in backends and not given:
            from bench.servers import throwaway_postgresql

            print("starting a throwaway PostgreSQL …", file=sys.stderr, flush=True)
            server = stack.enter_context(throwaway_postgresql())
        for number in range(runs_count):
            # Alternate which backend goes first, so a slow spell of the machine hits both.
            order = backends if number % 2 == 0 else backends[::-1]
            for backend in order:
                print(f"run {number + 1}/{runs_count}, {backend}", file=sys.stderr, flush=True)
                with ExitStack() as per_run:
                    url = None
                    if backend == "postgresql":
                        if given:
                            url = given
                        else:
                            from bench.servers import throwaway_database

                            url = per_run.enter_context(
                                throwaway_database(server, label=f"run{number + 1}")
                            )
                    runs[backend].append(_one_run(backend, url, selected))
    print(f"\n{runs_count} run(s) per backend; figures are medians of the runs.")
    for line in _table(runs):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
