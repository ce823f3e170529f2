"""Demo data for the training loop: a 500-case ticket-routing dataset and three rounds at 60%,
78% and 85%, a week apart, the last one `ROUNDS_BEFORE_LIVE` days before go-live. Deterministic
up to those dates, idempotent (skipped when the dataset exists) and written through the same
import services as an upload."""

import csv
import datetime
import json
import tempfile
from pathlib import Path

from django.utils import timezone

from maestro.mapping.models import Process
from maestro.tenancy.models import User
from maestro.training import services
from maestro.training.models import EvaluationDataset, TrainingRound

DATASET = "Ticket routing, 2025 history"
CASES = 500
CATEGORIES = ["access", "billing", "hardware", "people", "security"]
QUEUES = {
    "access": "it-support",
    "billing": "finance",
    "hardware": "facilities",
    "people": "hr",
    "security": "security",
}
OTHER = ["it-support", "finance", "facilities", "hr", "security"]
# (accuracy, days before go-live, what changed)
ROUNDS = [
    (60, 16, "First instructions: the queue list and one line per queue."),
    (78, 9, "Added 30 worked examples, mostly billing vs access."),
    (85, 2, "Context: the customer's plan and open invoices."),
]


def _right(i: int, accuracy: int) -> bool:
    # (i * 37) % 100 takes each value 0..99 five times over 500 cases: exactly `accuracy`%.
    return (i * 37) % 100 < accuracy


def training_demo_seed(*, process: Process, by: User, live_since: datetime.datetime) -> None:
    if EvaluationDataset.objects.filter(process=process, name=DATASET).exists():
        return
    dataset = services.dataset_create(process=process, name=DATASET, by=by)
    # Imported the day before the first round.
    EvaluationDataset.objects.filter(pk=dataset.pk).update(
        created_at=live_since - datetime.timedelta(days=ROUNDS[0][1] + 1)
    )
    with tempfile.TemporaryDirectory(prefix="maestro-demo-") as tmp:
        cases = Path(tmp) / "cases.csv"
        with open(cases, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["case_ref", "input", "correct_outcome", "category", "decided_at"])
            for i in range(CASES):
                category = CATEGORIES[(i * 7) % 5]
                subject = f"{category.title()} ticket {i + 1}"
                writer.writerow(
                    [
                        f"TCK-{i + 1:04d}",
                        json.dumps({"subject": subject, "channel": ["email", "chat"][i % 2]}),
                        QUEUES[category],
                        category,
                        f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    ]
                )
        services.dataset_import_cases(
            dataset=dataset, path=str(cases), fmt="csv", by=None, actor=by
        )
        for accuracy, days_before, what_changed in ROUNDS:
            day = timezone.localdate(live_since) - datetime.timedelta(days=days_before)
            training_round = services.round_create(
                dataset=dataset, round_date=day, what_changed=what_changed, by=None
            )
            TrainingRound.objects.filter(pk=training_round.pk).update(
                created_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
            )
            outputs = Path(tmp) / f"round-{training_round.number}.csv"
            with open(outputs, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["case_ref", "predicted_outcome", "confidence"])
                for i in range(CASES):
                    correct = QUEUES[CATEGORIES[(i * 7) % 5]]
                    if _right(i, accuracy):
                        writer.writerow(
                            [f"TCK-{i + 1:04d}", correct, f"{0.70 + (i % 30) / 100:.2f}"]
                        )
                    else:
                        wrong = next(q for q in OTHER[i % 5 :] + OTHER if q != correct)
                        writer.writerow([f"TCK-{i + 1:04d}", wrong, f"{0.40 + (i % 40) / 100:.2f}"])
            services.round_import_outputs(
                training_round=training_round, path=str(outputs), fmt="csv", by=None, actor=by
            )
