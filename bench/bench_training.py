"""Training: the product's dataset import (one streaming parse that validates each row, stages
the clean ones in short batches and moves them in at once) vs a raw bulk_create of the same
rows; round metrics (accuracy overall and per category, one aggregate) vs one hand-written SQL
aggregate. Not part of the test suite."""

import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Result, interleaved, unique

IMPORT_ROWS = (10_000, 100_000)
METRIC_ROWS = 100_000
CATEGORIES = ["access", "billing", "hardware", "people", "security", "compliance"]
OUTCOMES = ["it", "finance", "hr", "facilities", "legal"]


def _write_csv(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("case_ref,input,correct_outcome,category,amount,currency,counterparty\n")
        for i in range(rows):
            out.write(
                f'B-{i},"{{""subject"": ""ticket {i}, please help""}}",'
                f"{OUTCOMES[i % 5]},{CATEGORIES[i % 6]},{i % 1000}.50,EUR,Vendor {i % 97}\n"
            )


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run() -> list[Result]:
    from decimal import Decimal

    from django.db import connection, transaction

    from maestro.engagements.models import Engagement
    from maestro.mapping.models import Process
    from maestro.tenancy.models import Client, Membership, User
    from maestro.training import selectors, services
    from maestro.training.models import AgentOutput, EvaluationCase, EvaluationDataset

    user = User.objects.create_user(unique("bench-trainer"))
    client = Client.objects.create(name=unique("Bench training"), slug=unique("bench-training"))
    Membership.objects.create(user=user, client=client, role=Membership.Role.CONSULTANT)
    engagement = Engagement.objects.create(client=client, name="Bench training", lead=user)
    process = Process.objects.create(engagement=engagement, name="Bench routing")
    tmp = Path(tempfile.mkdtemp(prefix="maestro-bench-training-"))
    results = []
    made = 0
    imported = {}

    for rows in IMPORT_ROWS:
        path = tmp / f"cases-{rows}.csv"
        _write_csv(path, rows)
        ours_ms, raw_ms = [], []
        # ABBA: ours first, then the raw side first, and so on (drift, a slow spell, the
        # table's growth hit both sides alike).
        for attempt in range(5 if rows <= 10_000 else 2):

            def ours(rows=rows, path=path, attempt=attempt):
                nonlocal made
                made += 1
                dataset = EvaluationDataset.objects.create(process=process, name=f"ours {made}")
                written = services.dataset_import_cases(
                    dataset=dataset, path=str(path), fmt="csv", by=None
                )
                assert written == rows
                imported[rows] = dataset

            def raw(rows=rows):
                nonlocal made
                made += 1
                dataset = EvaluationDataset.objects.create(process=process, name=f"raw {made}")
                objs = (
                    EvaluationCase(
                        dataset=dataset,
                        case_ref=f"B-{i}",
                        input={"subject": f"ticket {i}, please help"},
                        correct_outcome=OUTCOMES[i % 5],
                        category=CATEGORIES[i % 6],
                        amount=Decimal(f"{i % 1000}.50"),
                        currency="EUR",
                        counterparty=f"Vendor {i % 97}",
                    )
                    for i in range(rows)
                )
                with transaction.atomic():
                    batch = []
                    for obj in objs:
                        batch.append(obj)
                        if len(batch) >= services.BATCH_SIZE:
                            EvaluationCase.objects.bulk_create(batch)
                            batch = []
                    EvaluationCase.objects.bulk_create(batch)

            if attempt % 2 == 0:
                ours_ms.append(_timed(ours))
                raw_ms.append(_timed(raw))
            else:
                raw_ms.append(_timed(raw))
                ours_ms.append(_timed(ours))
        o, r = statistics.median(ours_ms), statistics.median(raw_ms)
        print(
            f"  import {rows} rows: ours {rows / o * 1000:,.0f} rows/s, raw bulk_create "
            f"{rows / r * 1000:,.0f} rows/s, throughput ratio {r / o:.2f}x"
        )
        results.append(
            Result("training import", f"{rows} rows", o, r, 1.1 if rows >= 100_000 else None)
        )

    # Metrics for a 100k-case round: a dataset imported above.
    dataset = imported[METRIC_ROWS]
    training_round = services.round_create(
        dataset=dataset, round_date=__import__("datetime").date(2026, 1, 1), what_changed="",
        by=None,
    )  # fmt: skip
    ids = list(EvaluationCase.objects.filter(dataset=dataset).values_list("id", flat=True))
    with transaction.atomic():
        AgentOutput.objects.bulk_create(
            (
                AgentOutput(
                    round=training_round,
                    case_id=case_id,
                    predicted_outcome=OUTCOMES[(n * 7) % 5 if n % 4 == 0 else n % 5],
                    confidence=(n % 50) / 50 + 0.01,
                )
                for n, case_id in enumerate(ids)
                if n % 50
            ),
            batch_size=5000,
        )
    assert len(ids) == METRIC_ROWS
    outputs = AgentOutput._meta.db_table
    cases = EvaluationCase._meta.db_table
    sql = (
        f"SELECT c.category, COUNT(*), "
        f"SUM(CASE WHEN o.predicted_outcome = c.correct_outcome THEN 1 ELSE 0 END) "
        f"FROM {cases} c LEFT JOIN {outputs} o ON o.case_id = c.id AND o.round_id = %s "
        f"WHERE c.dataset_id = %s GROUP BY c.category ORDER BY c.category"
    )

    def ours_metrics():
        metrics = selectors.round_metrics(training_round=training_round)
        assert metrics.total == METRIC_ROWS

    def hand_sql():
        with connection.cursor() as cursor:
            cursor.execute(sql, [training_round.pk, dataset.pk])
            assert sum(row[1] for row in cursor.fetchall()) == METRIC_ROWS

    ours_ms, sql_ms = interleaved(ours_metrics, hand_sql, rounds=6, repeat=3)
    results.append(Result("training metrics", "100k-case round", ours_ms, sql_ms, 1.2))
    return results
