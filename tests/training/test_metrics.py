"""Metrics against values computed by hand on a ten-case dataset (see the table below)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from maestro.engagements.lifecycle import gate_evaluate
from maestro.engagements.models import Phase
from maestro.exceptions import NotPermitted
from maestro.training import selectors, services
from maestro.training.importers import ImportFailed
from maestro.training.models import AgentOutput, FailureReview
from maestro.training.overview import accuracy_across_rounds_for_engagement
from tests.mapping.factories import ProcessFactory
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory

# case: (category, correct, round 1 (predicted, confidence) or None, round 2)
CASES = {
    "A1": ("access", "it", ("it", 0.95), ("it", 0.95)),
    "A2": ("access", "it", ("it", 0.55), ("it", 0.7)),
    "A3": ("access", "it", ("hr", 0.70), ("it", 0.9)),
    "A4": ("access", "hr", ("hr", 0.90), ("it", 0.6)),
    "B1": ("billing", "fin", ("fin", 0.85), ("fin", 0.9)),
    "B2": ("billing", "fin", ("it", 0.45), ("fin", 0.8)),
    "B3": ("billing", "it", None, ("it", 0.5)),
    "K1": ("compliance", "legal", ("legal", 0.99), ("legal", 0.99)),
    "K2": ("compliance", "legal", ("fin", 0.60), ("fin", 0.8)),
    "K3": ("compliance", "legal", ("legal", 0.75), ("legal", 0.9)),
}


def _outputs_file(tmp_path, index, name):
    lines = ["case_ref,predicted_outcome,confidence"]
    for ref, row in CASES.items():
        if row[index]:
            lines.append(f"{ref},{row[index][0]},{row[index][1]}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.fixture
def loop(world, tmp_path):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    cases = {
        ref: CaseFactory(dataset=dataset, case_ref=ref, category=cat, correct_outcome=correct)
        for ref, (cat, correct, _r1, _r2) in CASES.items()
    }
    r1 = services.round_create(
        dataset=dataset,
        round_date=datetime.date(2026, 1, 1),
        what_changed="first instructions",
        by=world.consultant,
    )
    r2 = services.round_create(
        dataset=dataset,
        round_date=datetime.date(2026, 1, 8),
        what_changed="added examples",
        by=world.consultant,
    )
    for training_round, index in ((r1, 2), (r2, 3)):
        services.round_import_outputs(
            training_round=training_round,
            path=_outputs_file(tmp_path, index, f"r{index}.csv"),
            fmt="csv",
            by=world.consultant,
        )

    class Loop:
        pass

    loop = Loop()
    loop.dataset, loop.cases, loop.r1, loop.r2 = dataset, cases, r1, r2
    return loop


def test_rounds_are_numbered_in_order(loop):
    assert (loop.r1.number, loop.r2.number) == (1, 2)
    assert AgentOutput.objects.filter(round=loop.r1).count() == 9


def test_accuracy_overall_and_per_category(loop, django_assert_num_queries):
    with django_assert_num_queries(1):
        metrics = selectors.round_metrics(training_round=loop.r1)
    assert (metrics.total, metrics.correct, metrics.with_output) == (10, 6, 9)
    assert metrics.accuracy == 60.0
    assert [
        (c["category"], c["correct"], c["total"], c["accuracy"]) for c in metrics.categories
    ] == [
        ("access", 3, 4, 75.0),
        ("billing", 1, 3, 33.33),
        ("compliance", 2, 3, 66.67),
    ]


def test_confusion_matrix_counts_missing_outputs(loop):
    confusion = selectors.round_confusion(training_round=loop.r1)
    assert confusion["predicted"] == ["fin", "hr", "it", "legal", "(no output)"]
    table = {
        (row["actual"], c["predicted"]): c["n"] for row in confusion["rows"] for c in row["cells"]
    }
    assert {k: v for k, v in table.items() if v} == {
        ("fin", "fin"): 1,
        ("fin", "it"): 1,
        ("hr", "hr"): 1,
        ("it", "it"): 2,
        ("it", "hr"): 1,
        ("it", "(no output)"): 1,
        ("legal", "legal"): 2,
        ("legal", "fin"): 1,
    }
    assert confusion["peak"] == 2


def test_calibration_bands(loop, django_assert_num_queries):
    with django_assert_num_queries(1):
        bands = selectors.round_calibration(training_round=loop.r1)
    assert [(b["low"], b["n"], b["correct"]) for b in bands] == [
        (0.0, 1, 0),
        (0.5, 1, 1),
        (0.6, 1, 0),
        (0.7, 2, 1),
        (0.8, 1, 1),
        (0.9, 3, 3),
    ]
    assert bands[3]["accuracy"] == 50.0


def test_threshold_sweep(loop, django_assert_num_queries):
    with django_assert_num_queries(2):
        sweep = selectors.round_threshold_sweep(training_round=loop.r1)
    assert [s["threshold"] for s in sweep] == [
        0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95
    ]  # fmt: skip
    by_t = {s["threshold"]: s for s in sweep}
    assert (by_t[0.5]["auto"], by_t[0.5]["human"], by_t[0.5]["escalation_rate"]) == (8, 2, 20.0)
    assert by_t[0.5]["auto_accuracy"] == 75.0
    assert (by_t[0.65]["auto"], by_t[0.65]["escalation_rate"], by_t[0.65]["auto_accuracy"]) == (
        6,
        40.0,
        83.33,
    )
    assert (by_t[0.8]["auto"], by_t[0.8]["escalation_rate"], by_t[0.8]["auto_accuracy"]) == (
        4,
        60.0,
        100.0,
    )
    assert (by_t[0.95]["auto"], by_t[0.95]["escalation_rate"]) == (2, 80.0)


def test_failures_list_and_review_causes(world, loop):
    failures = selectors.round_failures(training_round=loop.r1)
    assert [(f.case_ref, f.predicted, f.confidence) for f in failures] == [
        ("A3", "hr", 0.70),
        ("B2", "it", 0.45),
        ("B3", None, None),
        ("K2", "fin", 0.60),
    ]
    services.failure_review_set(
        training_round=loop.r1,
        case=loop.cases["K2"],
        cause=FailureReview.Cause.AMBIGUOUS_POLICY,
        note="policy unclear",
        by=world.consultant,
    )
    services.failure_review_set(
        training_round=loop.r1,
        case=loop.cases["B3"],
        cause=FailureReview.Cause.DATA_ERROR,
        note="",
        by=world.consultant,
    )
    services.failure_review_set(
        training_round=loop.r1,
        case=loop.cases["A3"],
        cause=FailureReview.Cause.AMBIGUOUS_POLICY,
        note="",
        by=world.consultant,
    )
    # Tagging again replaces the cause.
    services.failure_review_set(
        training_round=loop.r1,
        case=loop.cases["A3"],
        cause=FailureReview.Cause.AMBIGUOUS_POLICY,
        note="again",
        by=world.consultant,
    )
    assert [
        (c["cause"], c["n"]) for c in selectors.round_failure_causes(training_round=loop.r1)
    ] == [
        ("ambiguous_policy", 2),
        ("data_error", 1),
    ]
    k2 = next(f for f in selectors.round_failures(training_round=loop.r1) if f.case_ref == "K2")
    assert (k2.cause, k2.note) == ("ambiguous_policy", "policy unclear")


def test_a_right_case_cannot_be_tagged_and_operators_cannot_tag(world, loop):
    with pytest.raises(ValidationError):
        services.failure_review_set(
            training_round=loop.r1,
            case=loop.cases["A1"],
            cause="other",
            note="",
            by=world.consultant,
        )
    with pytest.raises(NotPermitted):
        services.failure_review_set(
            training_round=loop.r1,
            case=loop.cases["K2"],
            cause="other",
            note="",
            by=world.operator_a,
        )


def test_accuracy_across_rounds_for_engagement_matches_each_dataset_in_two_queries(
    world, loop, django_assert_num_queries
):
    process = ProcessFactory(engagement=world.engagement_a)
    no_cases = DatasetFactory(process=process, name="A no cases yet")
    RoundFactory(dataset=no_cases, number=1)
    DatasetFactory(process=process, name="B no rounds")  # left out
    RoundFactory(dataset=DatasetFactory(process=ProcessFactory(engagement=world.engagement_b)))
    with django_assert_num_queries(2):
        rows = accuracy_across_rounds_for_engagement(engagement=world.engagement_a)
    assert [dataset for dataset, _ in rows] == sorted([no_cases, loop.dataset], key=str)
    for dataset, rounds in rows:
        assert rounds == selectors.accuracy_across_rounds(dataset=dataset)
    assert [r["accuracy"] for r in dict(rows)[no_cases]] == [None]


def test_round_comparison(loop):
    compared = selectors.round_compare(before=loop.r1, after=loop.r2)
    assert [c.case_ref for c in compared["fixed"]] == ["A3", "B2", "B3"]
    assert [c.case_ref for c in compared["regressed"]] == ["A4"]


def test_accuracy_across_rounds(loop, django_assert_num_queries):
    with django_assert_num_queries(2):
        rows = selectors.accuracy_across_rounds(dataset=loop.dataset)
    assert [(r["number"], r["accuracy"]) for r in rows] == [(1, 60.0), (2, 80.0)]


def test_outputs_for_unknown_case_refs_are_refused_and_keep_the_old_outputs(world, loop, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("case_ref,predicted_outcome,confidence\nA1,it,0.9\nZZ,it,0.9\nA2,it,1.5\n")
    with pytest.raises(ImportFailed) as info:
        services.round_import_outputs(
            training_round=loop.r1, path=str(path), fmt="csv", by=world.consultant
        )
    assert info.value.errors == [
        "line 3: case_ref: 'ZZ' is not a case of this dataset",
        "line 4: confidence: '1.5' is not between 0 and 1",
    ]
    assert AgentOutput.objects.filter(round=loop.r1).count() == 9


def test_confidence_written_as_a_percentage_or_with_a_decimal_comma_gets_a_hint(
    world, loop, tmp_path
):
    path = tmp_path / "bad.csv"
    path.write_text('case_ref,predicted_outcome,confidence\nA1,it,85%\nA2,it,"0,85"\nA3,it,x\n')
    with pytest.raises(ImportFailed) as info:
        services.round_import_outputs(
            training_round=loop.r1, path=str(path), fmt="csv", by=world.consultant
        )
    hint = " (write a share between 0 and 1 with a dot: 0.85)"
    assert info.value.errors == [
        "line 2: confidence: '85%' is not a number" + hint,
        "line 3: confidence: '0,85' is not a number" + hint,
        "line 4: confidence: 'x' is not a number",
    ]


def test_gate_names_each_failing_criterion_and_by_how_much(world, loop):
    engagement = world.engagement_a
    engagement.phase = Phase.TRAINING
    engagement.save()
    services.gate_criteria_set(
        engagement=engagement,
        category_minimums={"billing": 90, "access": 80},
        critical_categories=["compliance"],
        max_critical_misses=0,
        by=world.consultant,
    )
    [check, playbook] = gate_evaluate(engagement=engagement, to_phase=Phase.DEPLOYMENT)
    assert check.code == "latest_round_meets_target" and not check.passed
    assert check.detail == (
        f"Round 2 of {loop.dataset.name}: "
        "✕ Overall accuracy ≥ 85%: 80% (8 of 10 cases); short by 5.00 points; "
        "✕ “access” accuracy ≥ 80%: 75% (3 of 4); short by 5.00 points; "
        "✕ At most 0 miss(es) in critical categories (compliance): 1 miss(es); 1 over the limit"
    )
    assert playbook.code == "escalation_playbook_exists" and not playbook.passed

    engagement.target_accuracy = 80
    engagement.save()
    services.gate_criteria_set(
        engagement=engagement,
        category_minimums={"billing": 90},
        critical_categories=["compliance"],
        max_critical_misses=1,
        by=world.consultant,
    )
    [check, _playbook] = gate_evaluate(engagement=engagement, to_phase=Phase.DEPLOYMENT)
    assert check.passed
    assert "✓ Overall accuracy ≥ 80%: 80% (8 of 10 cases)" in check.detail


def test_gate_fails_closed_without_rounds(world):
    engagement = world.engagement_a
    engagement.phase = Phase.TRAINING
    engagement.save()
    [check, _playbook] = gate_evaluate(engagement=engagement, to_phase=Phase.DEPLOYMENT)
    assert not check.passed and check.detail == "No training round is recorded yet."


def test_gate_criteria_validation(world):
    with pytest.raises(ValidationError) as info:
        services.gate_criteria_set(
            engagement=world.engagement_a,
            category_minimums={"billing": 120},
            critical_categories=[],
            max_critical_misses=0,
            by=world.consultant,
        )
    assert "category_minimums" in info.value.message_dict


def test_reimporting_outputs_drops_tags_of_cases_now_right_and_keeps_the_rest(
    world, loop, tmp_path
):
    for ref in ("A3", "K2"):
        services.failure_review_set(
            training_round=loop.r1,
            case=loop.cases[ref],
            cause=FailureReview.Cause.MISSING_CONTEXT,
            note=ref,
            by=world.consultant,
        )
    # Round 1 re-imported with round 2's outputs: A3 is now right, K2 still wrong.
    services.round_import_outputs(
        training_round=loop.r1,
        path=_outputs_file(tmp_path, 3, "again.csv"),
        fmt="csv",
        by=world.consultant,
    )
    assert list(FailureReview.objects.filter(round=loop.r1).values_list("note", flat=True)) == [
        "K2"
    ]


def _training(engagement, target: str):
    engagement.phase = Phase.TRAINING
    engagement.target_accuracy = Decimal(target)
    engagement.save()
    return engagement


# Round 2 of `loop` is 80% overall (8 of 10) and 75% on "access" (3 of 4): a target a hair above
# must fail the gate, one exactly at it must pass (the rule is "accuracy ≥ target").
@pytest.mark.parametrize(
    ("target", "passes"), [("80.00", True), ("80.01", False), ("80.10", False), ("85.00", False)]
)
def test_overall_accuracy_passes_exactly_at_the_target_and_fails_just_under_it(
    world, loop, target, passes
):
    engagement = _training(world.engagement_a, target)
    [check, _playbook] = gate_evaluate(engagement=engagement, to_phase=Phase.DEPLOYMENT)
    assert check.passed is passes
    mark = "✓" if passes else "✕"
    assert f"{mark} Overall accuracy ≥ {float(target):g}%: 80% (8 of 10 cases)" in check.detail


@pytest.mark.parametrize(
    ("minimum", "passes"), [(75, True), (75.01, False), (75.1, False), (80, False)]
)
def test_category_minimum_passes_exactly_at_it_and_fails_just_under_it(
    world, loop, minimum, passes
):
    engagement = _training(world.engagement_a, "80")
    services.gate_criteria_set(
        engagement=engagement,
        category_minimums={"access": minimum},
        critical_categories=[],
        max_critical_misses=0,
        by=world.consultant,
    )
    [check, _playbook] = gate_evaluate(engagement=engagement, to_phase=Phase.DEPLOYMENT)
    assert check.passed is passes
    mark = "✓" if passes else "✕"
    assert f"{mark} “access” accuracy ≥ {minimum:g}%: 75% (3 of 4)" in check.detail
