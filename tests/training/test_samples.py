"""The sample files documented in the README import as they are."""

from pathlib import Path

from maestro.training import selectors, services
from tests.mapping.factories import ProcessFactory
from tests.training.factories import DatasetFactory

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


def test_sample_files_import(world):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    cases = SAMPLES / "evaluation-cases.csv"
    assert (
        services.dataset_import_cases(
            dataset=dataset, path=str(cases), fmt="csv", by=world.consultant
        )
        == 5
    )
    training_round = services.round_create(
        dataset=dataset, round_date="2026-01-01", what_changed="", by=world.consultant
    )
    services.round_import_outputs(
        training_round=training_round,
        path=str(SAMPLES / "agent-outputs.csv"),
        fmt="csv",
        by=world.consultant,
    )
    assert selectors.round_metrics(training_round=training_round).accuracy == 60.0
