from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from maestro.decisions.models import Decision
from maestro.lib.bulk import bulk_insert, bulk_insert_rows
from maestro.mapping.models import Process
from tests.mapping.factories import DecisionTypeFactory, ProcessFactory

COMPARED = [
    "engagement_id",
    "process_id",
    "decision_type_id",
    "category",
    "proposed_outcome",
    "confidence",
    "amount",
    "currency",
    "counterparty",
    "payload",
    "route",
    "reasons",
    "playbook_version_id",
    "final_outcome",
    "outcome_source",
    "outcome_at",
    "overridden",
]


def _decisions(process, prefix, n, kind=None):
    return [
        Decision(
            engagement=process.engagement,
            process=process,
            case_ref=f"{prefix}-{i}",
            decision_type=kind if i % 2 else None,
            category="invoice",
            proposed_outcome="approve",
            confidence=Decimal("0.8731"),
            amount=Decimal("1249.50") if i % 3 else None,
            currency="EUR",
            counterparty="Ünïcode “Ltd”",
            payload={"lines": [{"sku": f"A-{i}", "qty": i}], "note": None},
            route=Decision.Route.AUTO,
            reasons=[{"code": "x", "message": "y"}],
        )
        for i in range(n)
    ]


@pytest.mark.django_db
def test_rows_and_objects_are_as_bulk_create_leaves_them():
    process = ProcessFactory()
    # More rows than SQLite takes in one statement (999 parameters over 19 columns).
    kind = DecisionTypeFactory(engagement=process.engagement)
    ours = _decisions(process, "ours", 120, kind)
    theirs = _decisions(process, "theirs", 120, kind)
    before = timezone.now()

    assert bulk_insert(ours) is ours
    Decision.objects.bulk_create(theirs)

    after = timezone.now()
    assert [d.pk for d in ours] == sorted(d.pk for d in ours)
    for mine, other in zip(ours, theirs, strict=True):
        assert not mine._state.adding
        assert mine._state.db == other._state.db == "default"
        assert before <= mine.received_at <= after
    stored = {d.case_ref: d for d in Decision.objects.all()}
    for i, mine in enumerate(ours):
        row, other = stored[mine.case_ref], stored[f"theirs-{i}"]
        assert row.pk == mine.pk
        assert row.received_at == mine.received_at
        for name in COMPARED:
            assert getattr(row, name) == getattr(other, name), name


@pytest.mark.django_db
def test_an_unsaved_related_object_is_refused_as_bulk_create_refuses_it():
    process = ProcessFactory()
    decision = _decisions(process, "x", 1)[0]
    decision.process = Process(engagement=process.engagement, name="never saved")
    with pytest.raises(ValueError, match="bulk_create"):
        bulk_insert([decision])
    assert not Decision.objects.exists()


@pytest.mark.django_db
def test_objects_with_an_id_go_to_bulk_create():
    process = ProcessFactory()
    decision = _decisions(process, "given", 1)[0]
    decision.pk = 424242
    bulk_insert([decision])
    assert Decision.objects.get(case_ref="given-0").pk == 424242


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_all_or_nothing_across_statements():
    process = ProcessFactory()
    decisions = _decisions(process, "dup", 120)
    decisions[-1].case_ref = "dup-0"  # refused by the unique constraint in the last statement
    with pytest.raises(IntegrityError):
        bulk_insert(decisions)
    assert not Decision.objects.exists()
    assert connection.in_atomic_block is False


@pytest.mark.django_db
def test_an_empty_batch_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk_insert([]) == []


@pytest.mark.django_db
def test_every_statement_is_seen_as_a_query():
    process = ProcessFactory()
    with CaptureQueriesContext(connection) as theirs:
        Decision.objects.bulk_create(_decisions(process, "theirs", 120))
    with CaptureQueriesContext(connection) as ours:
        bulk_insert(_decisions(process, "ours", 120))
    if connection.vendor == "postgresql":
        # The ids from the sequence, then one COPY.
        assert [q["sql"].split()[0] for q in ours.captured_queries] == ["SELECT", "COPY"]
    else:
        assert len(ours.captured_queries) == len(theirs.captured_queries)


@pytest.mark.django_db
def test_plain_rows_are_stored_as_bulk_create_stores_their_objects():
    from maestro.training.models import StagedCase
    from tests.training.factories import DatasetFactory

    dataset = DatasetFactory()
    values = [
        {
            "stage": 7,
            "dataset_id": dataset.pk,
            "case_ref": f"R-{i}",
            "correct_outcome": "it",
            "category": "access",
            "amount": Decimal("12.50") if i % 2 else None,
            "counterparty": "Ünïcode",
            **({"input": {"subject": f"ticket {i}", "n": [1, None]}} if i % 3 else {}),
            **({"decided_at": timezone.now()} if i % 5 == 0 else {}),
        }
        for i in range(60)
    ]
    with CaptureQueriesContext(connection) as queries:
        assert bulk_insert_rows(StagedCase, values) == 60
    StagedCase.objects.bulk_create([StagedCase(**{**row, "stage": 8}) for row in values])
    fields = [f.attname for f in StagedCase._meta.concrete_fields if f.attname not in ("id",)]
    ours = list(StagedCase.objects.filter(stage=7).order_by("pk").values_list(*fields[1:]))
    theirs = list(StagedCase.objects.filter(stage=8).order_by("pk").values_list(*fields[1:]))
    assert ours == theirs
    assert ours[0][fields[1:].index("input")] == {}  # the field's default where left out
    if connection.vendor == "postgresql":
        assert [q["sql"].split()[0] for q in queries.captured_queries] == ["COPY"]


@pytest.mark.django_db
def test_no_rows_asks_nothing(django_assert_num_queries):
    from maestro.training.models import StagedCase

    with django_assert_num_queries(0):
        assert bulk_insert_rows(StagedCase, []) == 0
