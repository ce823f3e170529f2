from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from maestro.engagements import lifecycle
from maestro.engagements.models import Phase
from maestro.engagements.services import engagement_transition
from maestro.exceptions import NotPermitted, StateConflict
from maestro.mapping import selectors, services
from maestro.mapping.models import DecisionPoint, DecisionType, Process, Step
from tests.mapping.factories import (
    DecisionPointFactory,
    DecisionTypeFactory,
    ProcessFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db

DOC, ACT = Step.Flow.DOCUMENTED, Step.Flow.ACTUAL


@pytest.fixture
def process(world):
    return ProcessFactory(engagement=world.engagement_a, name="Procurement approval")


def _orders(process, flow):
    return list(
        Step.objects.filter(process=process, flow=flow)
        .order_by("order")
        .values_list("name", "order")
    )


def test_process_create_refuses_duplicate_name_and_client_side_users(world, process):
    with pytest.raises(ValidationError) as exc:
        services.process_create(
            engagement=world.engagement_a, by=world.consultant, name="procurement APPROVAL"
        )
    assert "already has a process" in exc.value.message_dict["name"][0]
    for who in (world.operator_a, world.sponsor_a):
        with pytest.raises(NotPermitted) as denied:
            services.process_create(engagement=world.engagement_a, by=who, name="Other")
        assert denied.value.code == "not_consultant"
    assert Process.objects.count() == 1


def test_step_create_appends_in_each_flow(world, process):
    for name, flow in [("a", DOC), ("b", ACT), ("c", DOC), ("d", ACT), ("e", ACT)]:
        services.step_create(process=process, by=world.consultant, flow=flow, name=name)
    assert _orders(process, DOC) == [("a", 1), ("c", 2)]
    assert _orders(process, ACT) == [("b", 1), ("d", 2), ("e", 3)]


def test_documented_step_link_must_be_a_documented_step_of_the_same_process(world, process):
    doc = StepFactory(process=process, flow=DOC)
    actual = StepFactory(process=process, flow=ACT)
    other = StepFactory(flow=DOC)
    linked = services.step_create(
        process=process, by=world.consultant, flow=ACT, name="x", documented_step=doc
    )
    assert linked.documented_step == doc
    cases = [
        (DOC, doc, "Only actual steps"),
        (ACT, actual, "documented step of the same process"),
        (ACT, other, "documented step of the same process"),
    ]
    for flow, target, message in cases:
        with pytest.raises(ValidationError) as exc:
            services.step_create(
                process=process, by=world.consultant, flow=flow, name="y", documented_step=target
            )
        assert message in exc.value.message_dict["documented_step"][0]


def test_reorder_puts_steps_in_the_given_order_contiguously(world, process):
    steps = [StepFactory(process=process, flow=ACT, name=n) for n in "abcd"]
    StepFactory(process=process, flow=DOC, name="doc")
    new = [steps[3].pk, steps[0].pk, steps[2].pk, steps[1].pk]
    services.step_reorder(process=process, by=world.consultant, flow=ACT, steps=new)
    assert _orders(process, ACT) == [("d", 1), ("a", 2), ("c", 3), ("b", 4)]
    assert _orders(process, DOC) == [("doc", 1)]


@pytest.mark.parametrize("bad", ["missing", "duplicate", "foreign", "other_flow"])
def test_reorder_refuses_lists_that_do_not_match_exactly(world, process, bad):
    steps = [StepFactory(process=process, flow=ACT, name=n).pk for n in "abc"]
    doc = StepFactory(process=process, flow=DOC).pk
    lists = {
        "missing": steps[:2],
        "duplicate": [*steps, steps[0]],
        "foreign": [*steps[:2], StepFactory().pk],
        "other_flow": [*steps, doc],
    }
    with pytest.raises(StateConflict) as exc:
        services.step_reorder(process=process, by=world.consultant, flow=ACT, steps=lists[bad])
    assert exc.value.code == "reorder_mismatch"
    assert _orders(process, ACT) == [("a", 1), ("b", 2), ("c", 3)]


def test_delete_closes_the_gap(world, process):
    steps = [StepFactory(process=process, flow=ACT, name=n) for n in "abcd"]
    services.step_delete(step=steps[1], by=world.consultant)
    assert _orders(process, ACT) == [("a", 1), ("c", 2), ("d", 3)]


def test_delete_refuses_a_step_with_a_decision_point(world, process):
    point = DecisionPointFactory(
        step=StepFactory(process=process, name="Manager approves"),
        decision_type=DecisionTypeFactory(engagement=process.engagement, name="approve PO"),
    )
    with pytest.raises(StateConflict) as exc:
        services.step_delete(step=point.step, by=world.consultant)
    assert exc.value.code == "step_has_decision_points"
    assert "Manager approves" in exc.value.message and "approve PO" in exc.value.message
    assert Step.objects.filter(pk=point.step_id).exists()


def test_decision_type_in_use_cannot_be_deleted(world, process):
    point = DecisionPointFactory(step=StepFactory(process=process))
    with pytest.raises(StateConflict) as exc:
        services.decision_type_delete(decision_type=point.decision_type, by=world.consultant)
    assert exc.value.code == "decision_type_in_use"


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"autonomy": "review_below_threshold"}, "confidence_threshold", "needs a default"),
        (
            {"autonomy": "full", "confidence_threshold": Decimal("0.5")},
            "confidence_threshold",
            "Only review below threshold",
        ),
        (
            {"autonomy": "always_human", "exposure_amount": Decimal("10")},
            "exposure_currency",
            "needs its currency",
        ),
    ],
)
def test_decision_type_calibration_is_checked(world, fields, field, message):
    with pytest.raises(ValidationError) as exc:
        services.decision_type_create(
            engagement=world.engagement_a, by=world.consultant, name="t", **fields
        )
    assert message in exc.value.message_dict[field][0]
    assert not DecisionType.objects.exists()


def test_decision_point_needs_an_actual_step_and_a_type_of_the_engagement(world, process):
    doc = StepFactory(process=process, flow=DOC)
    foreign = DecisionTypeFactory(engagement=world.engagement_b)
    with pytest.raises(ValidationError) as exc:
        services.decision_point_create(step=doc, by=world.consultant, decision_type=foreign)
    assert set(exc.value.message_dict) == {"step", "decision_type"}
    assert not DecisionPoint.objects.exists()


def test_summary_counts_the_gap(world, process):
    docs = [StepFactory(process=process, flow=DOC) for _ in range(2)]
    StepFactory(process=process, system="ERP", documented_step=docs[0])
    StepFactory(process=process, system="WhatsApp", informal=True, kind="approval")
    StepFactory(process=process, system="Google Sheet", informal=True, undocumented=True)
    review = DecisionTypeFactory(engagement=process.engagement, autonomy="review_below_threshold")
    DecisionPointFactory(step=StepFactory(process=process, system="erp "), decision_type=review)
    summary = selectors.process_summary(process=process)
    assert summary == {
        "documented_steps": 2,
        "actual_steps": 4,
        "hidden_steps": 1,
        "informal_steps": 2,
        "informal_approvals": 1,
        "systems_touched": ["ERP", "Google Sheet", "WhatsApp"],
        "decision_points": 1,
        "decision_points_by_autonomy": {
            "full": 0,
            "review_below_threshold": 1,
            "always_human": 0,
        },
        "human_minutes_per_day": 0,
    }


def test_gate_to_training_needs_actual_steps_and_a_decision_point(world, process):
    e = world.engagement_a

    def gate():
        (check,) = lifecycle.gate_evaluate(engagement=e, to_phase=Phase.TRAINING)
        return check

    assert not gate().passed and "No process" in gate().detail
    step = StepFactory(process=process)
    assert not gate().passed and "no decision point" in gate().detail
    DecisionPointFactory(step=step)
    assert gate().passed, gate().detail
    # With the gate met, the move needs no override.
    transition = engagement_transition(engagement=e, to_phase=Phase.TRAINING, by=world.consultant)
    assert transition.override_reason == "" and transition.gate_results[0]["passed"]


def test_gate_ignores_another_engagements_maps(world):
    DecisionPointFactory(step=StepFactory(process=ProcessFactory(engagement=world.engagement_b)))
    (check,) = lifecycle.gate_evaluate(engagement=world.engagement_a, to_phase=Phase.TRAINING)
    assert not check.passed
