"""Readiness: the share of a plan's competencies at their target stage, now and across its
recorded check-ins (each check-in keeps the share it ended with, `CheckIn.readiness`).

`plans_readiness` reads any number of plans in three queries (plans, competencies, recorded
check-ins), for the pages, the API and the gates."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from handoff.models import CheckIn, Competency, SkillTransferPlan

_SHARE = Decimal("0.0001")


@dataclass(frozen=True)
class TrendPoint:
    """The readiness a recorded check-in ended with."""

    check_in_id: int
    at: datetime
    share: Decimal


@dataclass(frozen=True)
class PlanReadiness:
    plan: SkillTransferPlan
    at_target: int
    total: int
    trend: list[TrendPoint]

    @property
    def share(self) -> Decimal | None:
        """0–1, four places; None for a plan without competencies (nothing to be ready in)."""
        return readiness_share_of(self.at_target, self.total)

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else int((share * 100).to_integral_value())

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.at_target == self.total

    @property
    def figure(self) -> str:
        """ "Readiness 75% (3 of 4 competencies at target)", for pages and gate details."""
        if not self.total:
            return "Readiness — (the plan has no competency)"
        noun = "competency" if self.total == 1 else "competencies"
        return f"Readiness {self.percent}% ({self.at_target} of {self.total} {noun} at target)"


def readiness_share_of(at_target: int, total: int) -> Decimal | None:
    return (Decimal(at_target) / Decimal(total)).quantize(_SHARE) if total else None


def readiness_share(competencies: Iterable[Competency]) -> Decimal | None:
    """The share (0–1) of `competencies` at target: what a recorded check-in keeps."""
    competencies = list(competencies)
    return readiness_share_of(sum(1 for c in competencies if c.at_target), len(competencies))


def _recorded_check_ins() -> Prefetch:
    return Prefetch(
        "check_ins",
        queryset=CheckIn.objects.filter(
            status=CheckIn.Status.RECORDED, readiness__isnull=False
        ).order_by("scheduled_at", "pk"),
        to_attr="recorded_check_ins",
    )


def plans_with_readiness(plans: QuerySet[SkillTransferPlan]) -> QuerySet[SkillTransferPlan]:
    """`plans` with what `readiness_of` reads, prefetched."""
    return plans.prefetch_related(
        Prefetch("competencies", queryset=Competency.objects.order_by("order", "pk")),
        _recorded_check_ins(),
    )


def readiness_of(plan: SkillTransferPlan) -> PlanReadiness:
    """The plan's readiness and trend; free of queries on a plan from `plans_with_readiness`."""
    competencies = list(plan.competencies.all())
    recorded = getattr(plan, "recorded_check_ins", None)
    if recorded is None:
        recorded = list(
            plan.check_ins.filter(status=CheckIn.Status.RECORDED, readiness__isnull=False).order_by(
                "scheduled_at", "pk"
            )
        )
    return PlanReadiness(
        plan=plan,
        at_target=sum(1 for c in competencies if c.at_target),
        total=len(competencies),
        trend=[
            TrendPoint(check_in_id=c.pk, at=c.scheduled_at, share=Decimal(c.readiness))
            for c in recorded
            if c.readiness is not None
        ],
    )


def plans_readiness(plans: QuerySet[SkillTransferPlan]) -> list[PlanReadiness]:
    """Each plan's readiness, in three queries whatever the number of plans."""
    return [readiness_of(plan) for plan in plans_with_readiness(plans.select_related("operator"))]
