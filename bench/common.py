"""Shared benchmark plumbing: a throwaway database, a timer, and the result rows.

Benchmarks compare our code path against a baseline measured in the same run, so the ratio
means something on any machine; absolute figures are printed for context only.
"""

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    benchmark: str
    case: str
    ours_ms: float
    baseline_ms: float
    goal: str = ""

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.baseline_ms


def setup_django() -> None:
    """Configure Django on a temporary SQLite file (or DATABASE_URL) and migrate it."""
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="maestro-bench-")
    os.environ.setdefault("DJANGO_DEBUG", "1")  # embedded defaults; DEBUG is switched off below
    os.environ.setdefault("MAESTRO_VAR_DIR", tmp)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "maestro.settings"
    # Throttles still count every call (their cost is part of what is measured), at rates the
    # thousands of calls from one address and one key never reach.
    for scope in ("USER", "ANON", "AGENT", "BAD_CREDENTIALS"):
        os.environ.setdefault(f"MAESTRO_THROTTLE_{scope}", "100000000/min")
    Path(tmp, "static").mkdir()  # WhiteNoise warns on every request without STATIC_ROOT
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


def interleaved(ours: Callable, baseline: Callable, *, rounds: int = 5, repeat: int = 10):
    """Alternate the two sides so machine noise (the other core, GC) hits both alike."""
    ours_ms, base_ms = [], []
    for _ in range(rounds):
        ours_ms.append(measure(ours, repeat=repeat, warmup=1))
        base_ms.append(measure(baseline, repeat=repeat, warmup=1))
    return statistics.median(ours_ms), statistics.median(base_ms)
