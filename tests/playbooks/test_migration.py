"""The move of the playbook models out of runbooks and decisions keeps every row: a database at
the old layout, holding a playbook with versions, a dry run, known counterparties and a decision
routed by a version, migrates to the new layout and every row is found through the new models."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from maestro.decisions.models import Decision
from maestro.playbooks.models import (
    DryRunJob,
    EscalationPlaybook,
    KnownCounterparty,
    PlaybookVersion,
)
from tests.conftest import *  # noqa: F403  (the world fixture)
from tests.mapping.factories import ProcessFactory
from tests.training.factories import DatasetFactory, RoundFactory

# The newest migrations of the old layout, and the app that did not exist then.
OLD_LAYOUT = [
    ("runbooks", "0006_version_rendering_backfill"),
    ("decisions", "0002_initial"),
    ("playbooks", None),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def old_layout(transactional_db):
    latest = _latest()
    apps = _migrate(OLD_LAYOUT)
    yield apps
    # Leave the database as every other test expects it, even if the test failed half-way.
    _migrate(latest)


def test_every_row_of_the_old_layout_is_found_through_the_new_models(old_layout, world):
    apps = old_layout
    with pytest.raises(LookupError):
        apps.get_app_config("playbooks")
    process = ProcessFactory(engagement=world.engagement_a)
    other = ProcessFactory(engagement=world.engagement_a)
    training_round = RoundFactory(dataset=DatasetFactory(process=process))

    OldPlaybook = apps.get_model("runbooks", "EscalationPlaybook")
    OldVersion = apps.get_model("runbooks", "PlaybookVersion")
    OldJob = apps.get_model("runbooks", "DryRunJob")
    OldKnown = apps.get_model("decisions", "KnownCounterparty")
    OldDecision = apps.get_model("decisions", "Decision")

    playbook = OldPlaybook.objects.create(process_id=process.pk)
    rules = [{"kind": "amount_above", "amount": "50000.00", "currency": "USD"}]
    v1 = OldVersion.objects.create(
        playbook=playbook, number=1, rules=[], created_by_id=world.consultant.pk
    )
    v2 = OldVersion.objects.create(
        playbook=playbook,
        number=2,
        default_threshold=Decimal("0.70"),
        rules=rules,
        sla_minutes=60,
        escalation_chain=[world.operator_a.pk],
        message="Limit purchases",
        created_by_id=world.consultant.pk,
    )
    job = OldJob.objects.create(
        version=v2,
        training_round_id=training_round.pk,
        requested_by_id=world.operator_a.pk,
        status="done",
        cases_total=7,
        cases_done=7,
        result={"cases": 7},
    )
    known = [
        OldKnown.objects.create(process_id=process.pk, name="Acme"),
        OldKnown.objects.create(process_id=process.pk, name="Globex"),
        OldKnown.objects.create(process_id=other.pk, name="Acme"),
    ]
    decision = OldDecision.objects.create(
        engagement_id=world.engagement_a.pk,
        process_id=process.pk,
        case_ref="PO-1",
        proposed_outcome="approve",
        confidence=Decimal("0.9"),
        route="human",
        playbook_version=v2,
    )
    ContentType.objects.get_or_create(app_label="runbooks", model="playbookversion")

    _migrate(_latest())
    ContentType.objects.clear_cache()

    moved = EscalationPlaybook.objects.get(pk=playbook.pk)
    assert moved.process_id == process.pk
    assert [(v.pk, v.number) for v in moved.versions.order_by("number")] == [
        (v1.pk, 1),
        (v2.pk, 2),
    ]
    version = PlaybookVersion.objects.get(pk=v2.pk)
    assert version.default_threshold == Decimal("0.70")
    assert version.rules == rules
    assert version.escalation_chain == [world.operator_a.pk]
    assert (version.sla_minutes, version.message) == (60, "Limit purchases")
    moved_job = DryRunJob.objects.get(pk=job.pk)
    assert (moved_job.version_id, moved_job.training_round_id) == (v2.pk, training_round.pk)
    assert (moved_job.status, moved_job.cases_done, moved_job.result) == (
        "succeeded",
        7,
        {"cases": 7},
    )
    assert sorted(KnownCounterparty.objects.values_list("pk", "process_id", "name")) == sorted(
        (k.pk, k.process_id, k.name) for k in known
    )
    assert Decision.objects.get(pk=decision.pk).playbook_version == version
    assert ContentType.objects.get_for_model(PlaybookVersion).app_label == "playbooks"
    assert not ContentType.objects.filter(app_label="runbooks", model="playbookversion").exists()
