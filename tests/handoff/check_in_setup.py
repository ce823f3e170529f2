"""Plans and check-ins for the check-in tests: a plan in the handoff phase at a client in a
given zone, with e-mail addresses for the operator and the consultants."""

from datetime import UTC, date, datetime, time

from handoff.models import CheckIn, SkillTransferPlan
from maestro.engagements.models import Phase
from tests.engagements.factories import EngagementFactory
from tests.handoff.factories import CompetencyFactory, SkillTransferPlanFactory
from tests.tenancy.factories import ClientFactory


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def plan_in(
    zone: str = "Europe/Lisbon",
    *,
    phase: str = Phase.HANDOFF,
    engagement=None,
    competencies: int = 0,
    **fields,
) -> SkillTransferPlan:
    """A plan (Tuesdays 10:00 local from 5 Jan 2026 unless told) whose people have e-mail."""
    if engagement is None:
        engagement = EngagementFactory(client=ClientFactory(time_zone=zone), phase=phase)
    fields.setdefault("starts_on", date(2026, 1, 5))
    fields.setdefault("local_time", time(10, 0))
    plan = SkillTransferPlanFactory(engagement=engagement, **fields)
    for user in (plan.operator, engagement.lead):
        if not user.email:
            user.email = f"{user.username}@example.com"
            user.save(update_fields=["email"])
    for n in range(competencies):
        CompetencyFactory(plan=plan, name=f"Skill {n}", order=n)
    return plan


def check_ins_of(plan) -> list[tuple[datetime, str, int]]:
    return list(
        CheckIn.objects.filter(plan=plan)
        .order_by("scheduled_at")
        .values_list("scheduled_at", "status", "sequence")
    )
