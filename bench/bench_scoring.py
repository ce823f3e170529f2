"""Daily scoring: the product's rescore of 30 client-local days (Europe/Lisbon, across the
March DST change) of 1,000,000 decisions in 3 processes, rows written, vs one hand-written SQL
statement computing the same figures (read only). The figures must match. Also reports the
queries of one scoring run at 1 and at 100 processes. Not part of the test suite.

BENCH_SCORING_DECISIONS=200000 makes a quicker run (default 1,000,000).

SQLite has no time zones and no percentile: both sides use the functions the product
registers on its connections (Django's django_datetime_cast_date, our maestro_percentile).
"""

import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from bench.common import Result, unique

DECISIONS = int(os.environ.get("BENCH_SCORING_DECISIONS", "1000000"))
DAYS = 30
FIRST_DAY = date(2026, 3, 10)  # the 29th of March (DST) falls inside
ZONE = "Europe/Lisbon"
CATEGORIES = ["access", "billing", "hardware", "people", "security", "compliance", "travel"]
CHUNK = 50_000

FIGURES = (
    "COUNT(*), "
    "COUNT(*) FILTER (WHERE final_outcome <> ''), "
    "COUNT(*) FILTER (WHERE final_outcome <> '' AND proposed_outcome = final_outcome), "
    "COUNT(*) FILTER (WHERE route = 'auto'), "
    "COUNT(*) FILTER (WHERE route = 'human'), "
    "COUNT(*) FILTER (WHERE outcome_source = 'review'), "
    "COUNT(*) FILTER (WHERE outcome_source = 'review' AND overridden), "
    "{pct}(0.5) FILTER (WHERE outcome_source = 'review' AND outcome_at IS NOT NULL), "
    "{pct}(0.9) FILTER (WHERE outcome_source = 'review' AND outcome_at IS NOT NULL)"
)


def _hand_sql(vendor: str, table: str) -> str:
    where = "WHERE process_id IN ({ids}) AND NOT is_test AND received_at >= %s AND received_at < %s"
    if vendor == "postgresql":
        seconds = "EXTRACT(EPOCH FROM (outcome_at - received_at))"
        figures = FIGURES.replace(
            "{pct}(0.5)", f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {seconds})"
        )
        figures = figures.replace(
            "{pct}(0.9)", f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {seconds})"
        )
        return (
            "SELECT process_id, day, "
            f"CASE WHEN GROUPING(category) = 1 THEN NULL ELSE category END, {figures} "
            f"FROM (SELECT *, (received_at AT TIME ZONE '{ZONE}')::date AS day "
            f"FROM {table} {where}) d "
            "GROUP BY GROUPING SETS ((process_id, day, category), (process_id, day))"
        )
    seconds = "((julianday(outcome_at) - julianday(received_at)) * 86400.0)"
    figures = FIGURES.replace("{pct}(0.5)", f"maestro_percentile({seconds}, 0.5)")
    figures = figures.replace("{pct}(0.9)", f"maestro_percentile({seconds}, 0.9)")
    day = f"django_datetime_cast_date(received_at, '{ZONE}', 'UTC')"
    return (
        f"SELECT process_id, {day} AS day, category, {figures} FROM {table} {where} "
        "GROUP BY 1, 2, 3 UNION ALL "
        f"SELECT process_id, {day} AS day, NULL, {figures} FROM {table} {where} GROUP BY 1, 2"
    )


def _rounded(value) -> int | None:
    return None if value is None else max(0, int(float(value) + 0.5))


def _insert(engagement, processes, tz) -> None:
    from django.db import transaction

    from maestro.decisions.models import Decision
    from maestro.lib.bulk import bulk_insert_rows
    from maestro.lib.timezones import local_day_bounds

    # The rows carry their own received_at (auto_now_add would stamp the insert's moment).
    field = Decision._meta.get_field("received_at")
    field.auto_now_add = False
    # 30 local days are 719 hours here: the 29th of March has 23.
    start, _end = local_day_bounds(FIRST_DAY, tz)
    _start, end = local_day_bounds(FIRST_DAY + timedelta(days=DAYS - 1), tz)
    step = (end - start) / DECISIONS
    try:
        for chunk in range(0, DECISIONS, CHUNK):
            rows = []
            for n in range(chunk, min(chunk + CHUNK, DECISIONS)):
                received = start + step * n
                human = n % 10 < 3
                answered = n % 7 != 0
                right = n % 9 != 0
                rows.append(
                    {
                        "engagement_id": engagement.pk,
                        "process_id": processes[n % 3].pk,
                        "case_ref": f"B-{n}",
                        "category": CATEGORIES[n % 7],
                        "proposed_outcome": "approve",
                        "confidence": "0.8000",
                        "route": "human" if human else "auto",
                        "received_at": received,
                        "final_outcome": ("approve" if right else "reject") if answered else "",
                        "outcome_source": ("review" if human else "feedback") if answered else "",
                        "outcome_at": received + timedelta(seconds=60 + (n * 37) % 7200)
                        if answered
                        else None,
                        "overridden": human and answered and not right,
                    }
                )
            with transaction.atomic():
                bulk_insert_rows(Decision, rows)
    finally:
        field.auto_now_add = True


def _query_counts() -> tuple[int, int, int]:
    """Queries of a scoring run (cursors in place) at 1 and at 100 processes, and the batch size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from maestro.decisions.models import Decision
    from maestro.engagements.models import Engagement
    from maestro.mapping.models import Process
    from maestro.monitoring.services import scoring
    from maestro.tenancy.models import Client, User

    user = User.objects.get(username=unique("bench-scorer"))
    counts = []
    for size in (1, 100):
        client = Client.objects.create(
            name=unique(f"Bench scoring {size}"),
            slug=unique(f"bench-scoring-{size}"),
            time_zone=ZONE,
        )
        engagement = Engagement.objects.create(client=client, name="Bench", lead=user)
        for p in range(size):
            process = Process.objects.create(engagement=engagement, name=f"P{p}")
            Decision.objects.bulk_create(
                Decision(engagement=engagement, process=process, case_ref=f"Q-{i}",
                         proposed_outcome="a", confidence="0.5", route="auto")
                for i in range(5)
            )  # fmt: skip
        now = datetime.now(UTC)
        scoring.engagement_scoring_run(engagement=engagement, now=now)
        with CaptureQueriesContext(connection) as queries:
            scoring.engagement_scoring_run(engagement=engagement, now=now + timedelta(hours=1))
        counts.append(len(queries))
    return counts[0], counts[1], scoring.BATCH_PROCESSES


def run() -> list[Result]:
    from django.db import connection

    from maestro.decisions.models import Decision
    from maestro.engagements.models import Engagement
    from maestro.lib.timezones import local_day_bounds
    from maestro.mapping.models import Process
    from maestro.monitoring.models import DailyScore
    from maestro.monitoring.services import scoring
    from maestro.tenancy.models import Client, User

    user = User.objects.create_user(unique("bench-scorer"))
    client = Client.objects.create(
        name=unique("Bench scoring"), slug=unique("bench-scoring"), time_zone=ZONE
    )
    engagement = Engagement.objects.create(client=client, name="Bench scoring", lead=user)
    processes = [
        Process.objects.create(engagement=engagement, name=f"Process {p}") for p in range(3)
    ]
    tz = client.tzinfo
    began = time.perf_counter()
    _insert(engagement, processes, tz)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Decision._meta.db_table}")
    print(f"  inserted {DECISIONS:,} decisions in {time.perf_counter() - began:.1f} s")

    last_day = FIRST_DAY + timedelta(days=DAYS - 1)
    start, _end = local_day_bounds(FIRST_DAY, tz)
    _start, end = local_day_bounds(last_day, tz)
    ids = ", ".join(str(p.pk) for p in processes)
    sql = _hand_sql(connection.vendor, Decision._meta.db_table).format(ids=ids)
    bounds = [connection.ops.adapt_datetimefield_value(v) for v in (start, end)]
    params = bounds * (1 if connection.vendor == "postgresql" else 2)

    def ours():
        scoring.days_rescore(
            engagement=engagement,
            process_ids=[p.pk for p in processes],
            day_from=FIRST_DAY,
            day_to=last_day,
        )

    hand_rows: list = []

    def hand():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            hand_rows[:] = cursor.fetchall()

    # Same figures: ours as stored, the statement's rounded the same way.
    ours()
    hand()
    stored = {
        (s.process_id, s.day, s.category): (
            s.volume, s.with_outcome, s.correct, s.auto_routed, s.escalated, s.human_resolved,
            s.overridden, s.resolution_median_seconds, s.resolution_p90_seconds,
        )
        for s in DailyScore.objects.filter(engagement=engagement)
    }  # fmt: skip
    computed = {
        (
            row[0],
            row[1] if isinstance(row[1], date) else date.fromisoformat(row[1]),
            row[2] or "",
        ): (*row[3:10], _rounded(row[10]), _rounded(row[11]))
        for row in hand_rows
    }
    differ = {k: (stored.get(k), computed.get(k)) for k in stored.keys() | computed.keys()
              if stored.get(k) != computed.get(k)}  # fmt: skip
    assert not differ, f"scoring and the hand-written SQL disagree: {list(differ.items())[:3]}"
    assert len(stored) == 3 * DAYS * (len(CATEGORIES) + 1), len(stored)
    total = sum(v[0] for (_p, _d, c), v in stored.items() if c == "")
    assert total == DECISIONS, total

    ours_ms, hand_ms = [], []
    for number in range(4):  # ABBA
        pair = [(ours, ours_ms), (hand, hand_ms)]
        for fn, samples in pair if number % 2 == 0 else pair[::-1]:
            t = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t) * 1000)
    one, hundred, batch = _query_counts()
    print(
        f"  scoring {DECISIONS:,} decisions: ours {statistics.median(ours_ms):,.0f} ms, "
        f"hand SQL {statistics.median(hand_ms):,.0f} ms; queries per scoring run: "
        f"{one} at 1 process, {hundred} at 100 processes (batches of {batch})"
    )
    label = f"{DECISIONS // 1000}k decisions"
    return [
        Result("daily scoring", label, statistics.median(ours_ms), statistics.median(hand_ms), 1.5)
    ]
