"""Cohen's kappa against hand-computed values, its edges (no case; both always the same single
outcome), the Landis & Koch bands at their boundaries, and the plan's agreement from the
database (overall, per competency, per client-local ISO week)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from handoff.models import ShadowCase
from handoff.selectors.evidence import (
    Agreement,
    cohen_kappa,
    engagement_agreement,
    kappa_band,
    plan_agreement,
    plan_agreement_breakdown,
)
from tests.handoff import shadow_fixtures
from tests.handoff.shadow_fixtures import escalate


def pairs(*counts: tuple[str, str, int]) -> list[tuple[str, str]]:
    return [(a, b) for a, b, n in counts for _ in range(n)]


# --- the pure function --------------------------------------------------------------------------


def test_the_textbook_two_by_two():
    # 50 proposals, two readers: yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    # po = 35/50 = 0.7; A says yes 25/50, B 30/50: pe = 0.5·0.6 + 0.5·0.4 = 0.5; κ = 0.2/0.5.
    data = pairs(("yes", "yes", 20), ("yes", "no", 5), ("no", "yes", 10), ("no", "no", 15))
    assert cohen_kappa(data) == Fraction(2, 5)
    a = Agreement.of(data)
    assert (a.cases, a.agreed, a.agreement, a.kappa, a.band) == (
        50,
        35,
        Decimal("0.7000"),
        Decimal("0.400"),
        "fair",
    )


def test_the_same_agreement_with_unbalanced_raters_gives_a_lower_kappa():
    # yes/yes 45, yes/no 15, no/yes 25, no/no 15 (n = 100): po = 0.60;
    # A yes 0.60, B yes 0.70: pe = 0.42 + 0.12 = 0.54; κ = 0.06/0.46 = 3/23 ≈ 0.130.
    data = pairs(("yes", "yes", 45), ("yes", "no", 15), ("no", "yes", 25), ("no", "no", 15))
    assert cohen_kappa(data) == Fraction(3, 23)
    assert Agreement.of(data).kappa == Decimal("0.130")
    assert Agreement.of(data).band == "slight"


def test_three_categories():
    # approve/approve 10, reject/reject 6, escalate/escalate 4, approve/reject 2,
    # reject/approve 2, escalate/approve 1 (n = 25): po = 20/25 = 0.8.
    # A: approve 12, reject 8, escalate 5; B: approve 13, reject 8, escalate 4.
    # pe = (12·13 + 8·8 + 5·4) / 625 = 240/625 = 0.384; κ = 0.416/0.616 = 52/77 ≈ 0.675.
    data = pairs(
        ("approve", "approve", 10),
        ("reject", "reject", 6),
        ("escalate", "escalate", 4),
        ("approve", "reject", 2),
        ("reject", "approve", 2),
        ("escalate", "approve", 1),
    )
    assert cohen_kappa(data) == Fraction(52, 77)
    assert Agreement.of(data).kappa == Decimal("0.675")
    assert Agreement.of(data).band == "substantial"


def test_perfect_agreement_over_two_categories_is_1():
    assert cohen_kappa(pairs(("a", "a", 3), ("b", "b", 2))) == 1


def test_systematic_disagreement_is_negative():
    # Each always says the other thing, half and half: po = 0, pe = 0.5, κ = −1.
    data = pairs(("a", "b", 5), ("b", "a", 5))
    assert cohen_kappa(data) == -1
    assert Agreement.of(data).band == "poor"


def test_degenerate_both_always_the_same_single_outcome_is_defined_as_1():
    # pe = 1 and po = 1: 0/0, defined as 1 (perfect, uninformative agreement).
    data = pairs(("approve", "approve", 7))
    assert cohen_kappa(data) == 1
    a = Agreement.of(data)
    assert (a.cases, a.agreement, a.kappa, a.band) == (
        7,
        Decimal("1.0000"),
        Decimal("1.000"),
        "almost perfect",
    )


def test_one_rater_constant_the_other_not_gives_0():
    # A always approves; B approves 3 of 4: po = 0.75, pe = 1·0.75 = 0.75, κ = 0.
    assert cohen_kappa(pairs(("approve", "approve", 3), ("approve", "reject", 1))) == 0


def test_no_case_has_no_kappa():
    assert cohen_kappa([]) is None
    a = Agreement.of([])
    assert (a.cases, a.agreement, a.kappa, a.band) == (0, None, None, "")


def test_outcomes_compare_trimmed_and_case_insensitively():
    assert cohen_kappa([("Approve ", "approve"), ("REJECT", "reject")]) == 1
    assert Agreement.of([("Approve ", "approve")]).agreed == 1


def test_the_agreement_share_is_rounded_to_4_places():
    assert Agreement.of(pairs(("a", "a", 2), ("a", "b", 1))).agreement == Decimal("0.6667")


@pytest.mark.parametrize(
    ("kappa", "band"),
    [
        ("-1.000", "poor"),
        ("-0.001", "poor"),
        ("0.000", "slight"),
        ("0.200", "slight"),
        ("0.201", "fair"),
        ("0.400", "fair"),
        ("0.401", "moderate"),
        ("0.600", "moderate"),
        ("0.601", "substantial"),
        ("0.800", "substantial"),
        ("0.801", "almost perfect"),
        ("1.000", "almost perfect"),
    ],
)
def test_landis_koch_bands_at_their_boundaries(kappa, band):
    assert kappa_band(Decimal(kappa)) == band


def test_no_kappa_has_no_band():
    assert kappa_band(None) == ""


# --- from the database --------------------------------------------------------------------------

handoff_world = shadow_fixtures.handoff_world


def _complete(case: ShadowCase, consultant: str, operator: str, at: datetime, by) -> None:
    ShadowCase.objects.filter(pk=case.pk).update(
        consultant=by,
        consultant_outcome=consultant,
        consultant_answered_at=at,
        operator_outcome=operator,
        operator_answered_at=at,
    )


@pytest.mark.django_db
def test_the_plans_agreement_overall_per_competency_and_week(
    handoff_world, django_assert_num_queries
):
    w = handoff_world
    w.client_a.time_zone = "America/New_York"
    w.client_a.save()
    tasks = escalate(w.process, 6)
    cases = list(ShadowCase.objects.filter(task__in=tasks).order_by("pk"))
    # Two of them are about monitoring; the rest escalation management (the default).
    ShadowCase.objects.filter(pk__in=[cases[0].pk, cases[1].pk]).update(competency=w.monitoring)
    # Monday 2026-03-09 03:00 UTC is still Sunday the 8th in New York: the week of 2 March.
    sunday_night = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)
    tuesday = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    _complete(cases[0], "approve", "approve", sunday_night, w.consultant)
    _complete(cases[1], "approve", "reject", tuesday, w.consultant)
    _complete(cases[2], "approve", "approve", tuesday, w.consultant)
    _complete(cases[3], "reject", "reject", tuesday, w.consultant)
    _complete(cases[4], "reject", "approve", tuesday, w.consultant)
    # cases[5] stays open: not counted.

    with django_assert_num_queries(1):
        overall = plan_agreement(w.plan)
    # 5 cases, 3 agreed; A approve 3/5, B approve 3/5: pe = 0.36 + 0.16 = 0.52;
    # κ = (0.6 − 0.52) / 0.48 = 1/6 ≈ 0.167.
    assert (overall.cases, overall.agreed, overall.agreement) == (5, 3, Decimal("0.6000"))
    assert overall.kappa == Decimal("0.167") and overall.band == "slight"

    breakdown = plan_agreement_breakdown(w.plan)
    assert breakdown.overall == overall
    monitoring = breakdown.competency(w.monitoring.pk)
    escalation = breakdown.competency(w.escalation.pk)
    assert monitoring.overall.cases == 2 and monitoring.overall.agreed == 1
    assert escalation.overall.cases == 3 and escalation.overall.agreed == 2
    assert [week for week, _a in breakdown.weeks] == [date(2026, 3, 2), date(2026, 3, 9)]
    assert [a.cases for _w, a in breakdown.weeks] == [1, 4]
    assert list(monitoring.weeks) == [date(2026, 3, 2), date(2026, 3, 9)]

    (from_engagement,) = engagement_agreement(w.engagement_a)
    assert from_engagement.overall == overall
