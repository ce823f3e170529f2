"""Settings of the server `make bench-load` starts: the product's, plus the bare DRF endpoint the
intake is compared with (bench/bench_intake.py's URLs: /bench/bare-decisions/ and the product)."""

from maestro.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_intake"
