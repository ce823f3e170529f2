"""Shared benchmark plumbing: Django on the database bench/run.py hands over, a timer, and the
result rows.

Benchmarks compare our code path against a baseline measured in the same run, so the ratio
means something on any machine; absolute figures are printed for context only.
"""

import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Names of the rows a run creates carry this, so a second run on the same database (one given
# with BENCH_DATABASE_URL) does not trip over the first one's users, clients and slugs.
RUN = secrets.token_hex(3)

# Variables of a developer's shell that would point Django at something we did not start.
LEAKY_ENV = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "DJANGO_SETTINGS_MODULE",
    "MAESTRO_VAR_DIR",
    "MAESTRO_BROKER_DIR",
)


@dataclass
class Result:
    benchmark: str
    case: str
    ours_ms: float
    baseline_ms: float
    goal: float | None = None  # the largest time ratio (ours / baseline) that meets the goal

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.baseline_ms

    def as_dict(self) -> dict:
        return asdict(self)


def unique(name: str) -> str:
    return f"{name}-{RUN}"


def setup_django(database_url: str | None) -> None:
    """Configure Django on `database_url` (None: a new SQLite file) and migrate it. Nothing is
    taken from the caller's environment: bench/run.py decides which database is used."""
    sys.path.insert(0, str(ROOT))
    for name in LEAKY_ENV:
        os.environ.pop(name, None)
    tmp = tempfile.mkdtemp(prefix="maestro-bench-")
    os.environ["DJANGO_DEBUG"] = "1"  # embedded defaults; DEBUG is switched off below
    os.environ["MAESTRO_VAR_DIR"] = tmp
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "maestro.settings"
    # Throttles still count every call (their cost is part of what is measured), at rates the
    # thousands of calls from one address and one key never reach.
    for scope in ("USER", "ANON", "AGENT", "BAD_CREDENTIALS"):
        os.environ[f"MAESTRO_THROTTLE_{scope}"] = "100000000/min"
    Path(tmp, "static").mkdir()  # WhiteNoise warns on every request without STATIC_ROOT
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per log-in otherwise
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # no query log: it would tax both sides and hide real costs
    settings.ALLOWED_HOSTS = ["*"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def measure(fn: Callable[[], object], *, repeat: int = 30, warmup: int = 3) -> float:
    """Median wall time of `fn` in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def interleaved(ours: Callable, baseline: Callable, *, rounds: int = 15, repeat: int = 8):
    """Alternate the two sides in short rounds, in ABBA order, so the machine's noise (other
    processes on its cores, GC, drift) hits both alike; the median of each side's rounds."""
    ours_ms, base_ms = [], []
    for number in range(rounds):
        pair = [(ours, ours_ms), (baseline, base_ms)]
        for fn, samples in pair if number % 2 == 0 else pair[::-1]:
            samples.append(measure(fn, repeat=repeat, warmup=1))
    return statistics.median(ours_ms), statistics.median(base_ms)
