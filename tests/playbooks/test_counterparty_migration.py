"""Migrating to known-counterparty sources makes every process's evaluation-dataset
counterparties known, and keeps the ones known before as they were."""

import pytest

from maestro.playbooks.models import KnownCounterparty
from tests.conftest import *  # noqa: F403  (the world fixture)
from tests.mapping.factories import ProcessFactory
from tests.playbooks.test_migration import _latest, _migrate

BEFORE = [("playbooks", "0002_dry_run_job_shared_engine")]


@pytest.fixture
def before_sources(transactional_db):
    latest = _latest()
    apps = _migrate(BEFORE)
    yield apps
    _migrate(latest)  # as every other test expects the database, even after a failure


def test_dataset_counterparties_become_known(before_sources, world):
    apps = before_sources
    Dataset = apps.get_model("training", "EvaluationDataset")
    Case = apps.get_model("training", "EvaluationCase")
    OldKnown = apps.get_model("playbooks", "KnownCounterparty")
    process = ProcessFactory(engagement=world.engagement_a)
    other = ProcessFactory(engagement=world.engagement_a)
    first = Dataset.objects.create(process_id=process.pk, name="2025")
    second = Dataset.objects.create(process_id=process.pk, name="2026")
    for i, (dataset, name) in enumerate(
        [
            (first, "Fabrikam"),
            (first, "Fabrikam"),
            (second, "Fabrikam"),
            (second, "Contoso"),
            (second, ""),
            (first, "Litware"),
        ]
    ):
        Case.objects.create(
            dataset=dataset, case_ref=f"C-{i}", correct_outcome="x", category="y", counterparty=name
        )
    OldKnown.objects.create(process_id=process.pk, name="Contoso")  # from a live decision
    Case.objects.create(
        dataset=Dataset.objects.create(process_id=other.pk, name="Other"),
        case_ref="O-1",
        correct_outcome="x",
        category="y",
        counterparty="Northwind",
    )

    _migrate(_latest())

    known = {(k.process_id, k.name): k.source for k in KnownCounterparty.objects.all()}
    assert known == {
        (process.pk, "Contoso"): "live",
        (process.pk, "Fabrikam"): "dataset",
        (process.pk, "Litware"): "dataset",
        (other.pk, "Northwind"): "dataset",
    }
