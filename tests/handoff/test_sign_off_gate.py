"""The gate advisory → closed: the consultant's stance is out and the latest handoff document is
signed off (a sponsor and every plan's operator). Each failing check says why; a consultant may
still override the gate with a reason."""

import pytest
from django.core.exceptions import ValidationError

from handoff.services.plans import stance_step
from maestro.engagements import lifecycle
from maestro.engagements.models import Engagement, Phase
from maestro.engagements.services import engagement_transition
from maestro.exceptions import DomainError
from tests.handoff.sign_off_setup import document_make, ready_engagement, sign_off_make

pytestmark = pytest.mark.django_db


def _checks(engagement) -> dict:
    return {
        c.code: c for c in lifecycle.gate_evaluate(engagement=engagement, to_phase=Phase.CLOSED)
    }


def _advisory(world) -> Engagement:
    engagement = ready_engagement(world, phase=Phase.ADVISORY)
    Engagement.objects.filter(pk=engagement.pk).update(stance=Engagement.Stance.ADVISORY)
    engagement.refresh_from_db()
    return engagement


def test_blocked_while_the_consultant_advises_and_nothing_is_signed(world):
    engagement = _advisory(world)

    checks = _checks(engagement)

    assert list(checks) == ["stance_out", "handoff_signed_off"]
    assert (checks["stance_out"].passed, checks["stance_out"].detail) == (
        False,
        "The consultant's stance is Advisory: step it down to Out first (Handoff page).",
    )
    assert (checks["handoff_signed_off"].passed, checks["handoff_signed_off"].detail) == (
        False,
        "No handoff PDF has been generated yet.",
    )
    with pytest.raises(DomainError) as refused:
        engagement_transition(engagement=engagement, to_phase=Phase.CLOSED, by=world.consultant)
    assert refused.value.code == "gate_failed"
    assert "The consultant has stepped out" in refused.value.message
    assert "The latest handoff document is signed off" in refused.value.message
    engagement.refresh_from_db()
    assert engagement.phase == Phase.ADVISORY


def test_out_but_not_signed_off_by_every_operator_is_still_blocked(world):
    engagement = _advisory(world)
    stance_step(engagement=engagement, by=world.consultant, to_stance="out")
    document = document_make(engagement, version=2)
    sign_off_make(document, world.sponsor_a, "sponsor")

    checks = _checks(engagement)

    assert checks["stance_out"].passed
    assert checks["stance_out"].detail == "The consultant's stance is Out."
    assert (checks["handoff_signed_off"].passed, checks["handoff_signed_off"].detail) == (
        False,
        f"Version 2 is waiting for the sign-off of {world.operator_a} (operator).",
    )


def test_a_newer_unsigned_generation_blocks_again(world):
    engagement = _advisory(world)
    stance_step(engagement=engagement, by=world.consultant, to_stance="out")
    first = document_make(engagement, version=1)
    sign_off_make(first, world.sponsor_a, "sponsor")
    sign_off_make(first, world.operator_a, "operator")
    assert all(c.passed for c in _checks(engagement).values())
    document_make(engagement, version=2)
    assert not _checks(engagement)["handoff_signed_off"].passed


def test_allowed_when_out_and_signed_off(world):
    engagement = _advisory(world)
    stance_step(engagement=engagement, by=world.consultant, to_stance="out")
    document = document_make(engagement)
    sign_off_make(document, world.sponsor_a, "sponsor")
    sign_off_make(document, world.operator_a, "operator")

    transition = engagement_transition(
        engagement=engagement, to_phase=Phase.CLOSED, by=world.consultant
    )

    engagement.refresh_from_db()
    assert (engagement.phase, engagement.stance) == (Phase.CLOSED, Engagement.Stance.OUT)
    assert not transition.overridden
    assert [(r["code"], r["passed"]) for r in transition.gate_results] == [
        ("stance_out", True),
        ("handoff_signed_off", True),
    ]
    assert transition.gate_results[1]["detail"] == (
        f"Version 1 is signed off by {world.sponsor_a}, {world.operator_a}."
    )


def test_a_consultant_may_override_with_a_reason(world):
    engagement = _advisory(world)
    with pytest.raises(ValidationError):
        engagement_transition(
            engagement=engagement, to_phase=Phase.CLOSED, by=world.consultant, override=True
        )
    transition = engagement_transition(
        engagement=engagement,
        to_phase=Phase.CLOSED,
        by=world.consultant,
        override=True,
        override_reason="The client signed on paper.",
    )
    assert transition.overridden
    assert {r["code"]: r["passed"] for r in transition.gate_results} == {
        "stance_out": False,
        "handoff_signed_off": False,
    }
