"""Run every bench/bench_*.py and print one table of figures and ratios (`make bench`)."""

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.common import setup_django  # noqa: E402


def main(selected: list[str]) -> int:
    setup_django()
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if selected:
        modules = [m for m in modules if any(s in m for s in selected)]
    results = []
    for name in modules:
        print(f"running {name} …", file=sys.stderr, flush=True)
        results.extend(importlib.import_module(f"bench.{name}").run())
    header = (
        f"{'benchmark':<28} {'case':<18} {'ours ms':>10} {'baseline ms':>12} {'ratio':>7}  goal"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.benchmark:<28} {r.case:<18} {r.ours_ms:>10.2f} {r.baseline_ms:>12.2f} "
            f"{r.ratio:>6.2f}x  {r.goal}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
