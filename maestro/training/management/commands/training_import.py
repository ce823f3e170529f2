"""Import evaluation cases (or a round's agent outputs) from a CSV/JSONL file on disk.

manage.py training_import DATASET_ID cases.csv
manage.py training_import DATASET_ID outputs.csv --round 3
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from maestro.audit.services import Actor
from maestro.training import importers, services
from maestro.training.models import EvaluationDataset, TrainingRound

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Import evaluation cases, or a round's agent outputs, with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument("dataset_id", type=int)
        parser.add_argument("path")
        parser.add_argument("--format", choices=importers.FORMATS, default=None)
        parser.add_argument("--round", type=int, default=None, help="Round number (outputs).")
        parser.add_argument("--batch-size", type=int, default=services.BATCH_SIZE)

    def handle(self, *args, dataset_id, path, format, round, batch_size, **options):
        try:
            dataset = EvaluationDataset.objects.get(pk=dataset_id)
        except EvaluationDataset.DoesNotExist:
            raise CommandError(f"No dataset {dataset_id}.") from None
        fmt = format or importers.guess_format(path)
        try:
            total = services.count_data_rows(path=path, fmt=fmt)
        except OSError as exc:
            raise CommandError(str(exc)) from None
        progress = self._bar(total)
        try:
            if round is not None:
                training_round = TrainingRound.objects.filter(dataset=dataset, number=round).first()
                if training_round is None:
                    raise CommandError(f"Dataset {dataset_id} has no round {round}.")
                written = services.round_import_outputs(
                    training_round=training_round,
                    path=path,
                    fmt=fmt,
                    by=None,
                    actor=Actor.system("manage.py training_import"),
                    batch_size=batch_size,
                    on_progress=progress,
                )
            else:
                written = services.dataset_import_cases(
                    dataset=dataset,
                    path=path,
                    fmt=fmt,
                    by=None,
                    actor=Actor.system("manage.py training_import"),
                    batch_size=batch_size,
                    on_progress=progress,
                )
        except importers.ImportFailed as exc:
            self.stdout.write("")
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(exc.message) from None
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Imported {written} row(s)."))

    def _bar(self, total: int):
        def show(phase: str, rows: int) -> None:
            share = min(rows / total, 1.0) if total else 1.0
            filled = int(BAR_WIDTH * share)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            self.stdout.write(f"\r{phase:<10} [{bar}] {share:6.1%} {rows}/{total}", ending="")
            self.stdout.flush()
            if hasattr(sys.stdout, "flush"):
                sys.stdout.flush()

        return show
