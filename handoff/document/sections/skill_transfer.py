"""Section 9: each operator's skill-transfer plan: its cadence and bars, the stage each
competency has reached (and when it got there), readiness and its trend, the agreement
(Cohen's kappa) with the consultant on shadow reviews, and the whole check-in history with
the stages each check-in moved, its notes and follow-ups.

Nine queries whatever the number of plans, competencies, check-ins or shadow cases:
readiness's three (handoff.selectors.readiness), agreement's three (handoff.selectors.evidence)
and the check-ins with their stages and follow-ups."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from handoff.document.sections import SectionData
from handoff.document.source import DocumentSource
from handoff.models import (
    STAGE_ORDER,
    CheckIn,
    CheckInFollowUp,
    Competency,
    SkillTransferPlan,
    Stage,
)
from handoff.readiness_chart import readiness_trend_svg
from handoff.selectors.evidence import Agreement, engagement_agreement
from handoff.selectors.readiness import PlanReadiness, plans_readiness


@dataclass(frozen=True)
class _DayPoint:
    """A readiness point dated in the client's days (handoff.readiness_chart.Point)."""

    day: date
    share: Decimal


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _iso(value: datetime | None, tz) -> str | None:
    return None if value is None else timezone.localtime(value, tz).isoformat()


def _name(user) -> str:
    return "" if user is None else user.get_full_name() or user.get_username()


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label) if stage in STAGE_ORDER else stage


def _agreement_data(agreement: Agreement) -> dict[str, Any]:
    return {
        "cases": agreement.cases,
        "agreed": agreement.agreed,
        "agreement": _number(agreement.agreement),
        "kappa": _number(agreement.kappa),
        "band": agreement.band,
    }


def _reached(
    competencies: list[Competency], recorded: list[CheckIn], tz
) -> dict[int, list[dict[str, Any]]]:
    """Competency id → each stage above the ladder's first (where every competency starts) up
    to its current one, with the local day of the first recorded check-in that found it there
    or higher (None: it got there outside the check-ins, e.g. a consultant's edit)."""
    first_at: dict[tuple[int, str], date] = {}
    for check_in in recorded:  # oldest first
        day = timezone.localtime(check_in.scheduled_at, tz).date()
        for row in check_in.stages.all():
            if row.stage not in STAGE_ORDER:
                continue
            for stage in STAGE_ORDER[: STAGE_ORDER.index(row.stage) + 1]:
                first_at.setdefault((row.competency_id, stage), day)
    reached: dict[int, list[dict[str, Any]]] = {}
    for c in competencies:
        top = STAGE_ORDER.index(c.current_stage) if c.current_stage in STAGE_ORDER else 0
        reached[c.pk] = [
            {"stage": stage, "label": _stage_label(stage), "on": first_at.get((c.pk, stage))}
            for stage in STAGE_ORDER[1 : top + 1]
        ]
    return reached


def _history(check_ins: list[CheckIn], names: dict[int, str]) -> list[dict[str, Any]]:
    """The plan's check-ins, oldest first, each recorded one with the stages it moved since
    the previous recorded check-in (the first lists every stage)."""
    rows = []
    before: dict[int, str] | None = None
    for check_in in check_ins:
        stages = {row.competency_id: row.stage for row in check_in.stages.all()}
        moves: list[dict[str, str]] = []
        if check_in.status == CheckIn.Status.RECORDED:
            for competency_id, stage in stages.items():
                if before is None or before.get(competency_id) != stage:
                    moves.append(
                        {
                            "competency": names.get(competency_id, "?"),
                            "stage": stage,
                            "label": _stage_label(stage),
                        }
                    )
            before = stages
        rows.append(
            {
                "check_in": check_in,
                "moves": moves,
                "follow_ups": [f.task for f in check_in.follow_ups.all()],
                "recorded_by": _name(check_in.recorded_by),
            }
        )
    return rows


def gather(source: DocumentSource) -> SectionData:
    engagement = source.engagement
    tz = engagement.client.tzinfo
    readiness: list[PlanReadiness] = plans_readiness(
        SkillTransferPlan.objects.filter(engagement=engagement).order_by("operator__username", "pk")
    )
    agreements = {a.plan.pk: a for a in engagement_agreement(engagement)}
    check_ins: dict[int, list[CheckIn]] = defaultdict(list)
    for check_in in (
        CheckIn.objects.filter(plan__engagement=engagement)
        .select_related("recorded_by")
        .prefetch_related(
            "stages",
            Prefetch("follow_ups", queryset=CheckInFollowUp.objects.select_related("task")),
        )
        .order_by("scheduled_at", "pk")
    ):
        check_ins[check_in.plan_id].append(check_in)

    plans: list[dict[str, Any]] = []
    for r in readiness:
        plan = r.plan
        competencies = list(plan.competencies.all())
        names = {c.pk: c.name for c in competencies}
        own = check_ins.get(plan.pk, [])
        recorded = [c for c in own if c.status == CheckIn.Status.RECORDED]
        reached = _reached(competencies, recorded, tz)
        agreement = agreements.get(plan.pk)
        by_competency = {}
        if agreement is not None:
            by_competency = {
                row.competency.pk: row.overall for row in agreement.competencies if row.competency
            }
        overall = agreement.overall if agreement is not None else Agreement.of([])
        points = [_DayPoint(timezone.localtime(p.at, tz).date(), p.share) for p in r.trend]
        operator = _name(plan.operator)
        plans.append(
            {
                "plan": plan,
                "operator": operator,
                "weekday": WEEKDAYS[plan.weekday],
                "readiness": r,
                "chart": mark_safe(  # noqa: S308 - ElementTree output, every text escaped
                    readiness_trend_svg(
                        points=points,
                        title=_("Readiness of %(operator)s") % {"operator": operator},
                        id_prefix=f"handoff-readiness-{plan.pk}",
                    )
                ),
                "competencies": [
                    {
                        "competency": c,
                        "reached": reached[c.pk],
                        "agreement": by_competency.get(c.pk),
                    }
                    for c in competencies
                ],
                "agreement": overall,
                "agreement_met": overall.kappa is not None
                and overall.kappa >= plan.kappa_bar
                and overall.cases >= plan.shadow_cases_min,
                "history": _history(own, names),
                "missed": sum(1 for c in own if c.missed_at is not None),
                "recorded": len(recorded),
            }
        )

    data = {
        "plans": [
            {
                "plan_id": p["plan"].pk,
                "operator": p["operator"],
                "operator_username": p["plan"].operator.get_username(),
                "cadence": {
                    "every_weeks": p["plan"].every_weeks,
                    "weekday": p["plan"].weekday,
                    "local_time": p["plan"].local_time.strftime("%H:%M"),
                    "duration_minutes": p["plan"].duration_minutes,
                    "starts_on": p["plan"].starts_on.isoformat(),
                    "time_zone": engagement.client.time_zone,
                },
                "readiness": {
                    "share": _number(p["readiness"].share),
                    "at_target": p["readiness"].at_target,
                    "competencies": p["readiness"].total,
                    "complete": p["readiness"].complete,
                    "trend": [
                        {"at": _iso(t.at, tz), "share": float(t.share)}
                        for t in p["readiness"].trend
                    ],
                },
                "agreement": {
                    **_agreement_data(p["agreement"]),
                    "kappa_bar": float(p["plan"].kappa_bar),
                    "shadow_cases_min": p["plan"].shadow_cases_min,
                    "met": p["agreement_met"],
                },
                "competencies": [
                    {
                        "name": row["competency"].name,
                        "current_stage": row["competency"].current_stage,
                        "target_stage": row["competency"].target_stage,
                        "at_target": row["competency"].at_target,
                        "stages_reached": [
                            {"stage": s["stage"], "on": s["on"].isoformat() if s["on"] else None}
                            for s in row["reached"]
                        ],
                        "agreement": _agreement_data(row["agreement"])
                        if row["agreement"] is not None
                        else None,
                        "evidence": row["competency"].evidence,
                    }
                    for row in p["competencies"]
                ],
                "check_ins": [
                    {
                        "scheduled_at": _iso(h["check_in"].scheduled_at, tz),
                        "status": h["check_in"].status,
                        "recorded_at": _iso(h["check_in"].recorded_at, tz),
                        "recorded_by": h["recorded_by"] or None,
                        "missed": h["check_in"].missed_at is not None,
                        "readiness": _number(h["check_in"].readiness),
                        "stages_moved": {m["competency"]: m["stage"] for m in h["moves"]},
                        "notes": h["check_in"].notes,
                        "follow_ups": [
                            {
                                "title": task.title,
                                "status": task.status,
                                "due_at": _iso(task.due_at, tz),
                            }
                            for task in h["follow_ups"]
                        ],
                    }
                    for h in p["history"]
                ],
                "missed_check_ins": p["missed"],
            }
            for p in plans
        ]
    }
    return SectionData(context={"plans": plans, "time_zone": tz}, data=data)
