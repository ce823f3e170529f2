"""Section: the executive summary. The engagement's phases with their dates, the consultant's
stance down the ladder lead → advisory → out, the hours of human work the agent frees a day (the
economics' arithmetic: volume × minutes × the measured automation rate), and accuracy against
the engagement's target (live this week, else last week; the latest training round beside it).

Dates are the client's local dates. In the embedded JSON, shares are 4-place decimal strings
("0.8500" for 85%) and hours 2-place ones, as the API writes them. Constant queries: the
transitions', the stance steps', the economics' two, the trend's two and the latest round's two,
whatever the number of processes, moves or rounds.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from handoff.document.sections import SectionData
from handoff.document.source import DocumentSource
from handoff.selectors.plans import stance_step_list
from maestro.decisions.selectors import economics_total, process_economics
from maestro.engagements.models import Engagement, Phase
from maestro.engagements.selectors import transition_list
from maestro.monitoring.selectors.trend import engagement_trend, percent_one_decimal
from maestro.monitoring.summary import target_share
from maestro.training.selectors import latest_round_for_engagement, round_metrics

SHARE = Decimal("0.0001")
HOURS = Decimal("0.01")


def _share(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(SHARE))


def _hours(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(HOURS))


@dataclass(frozen=True)
class PhaseSpan:
    """One stay of the engagement in a phase: from the move into it to the next move."""

    phase: str
    label: str
    started: date
    ended: date | None  # None: the phase it is in now
    by: str
    note: str
    override_reason: str
    days: int = 0  # to the next move; the current phase's, to the document's date

    def as_data(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "started": self.started.isoformat(),
            "ended": self.ended.isoformat() if self.ended else None,
            "days": self.days,
            "moved_by": self.by,
            "note": self.note,
            "gate_overridden": bool(self.override_reason),
            "override_reason": self.override_reason,
        }


def _phase_history(engagement: Engagement, local, today: date) -> list[PhaseSpan]:
    moves = list(transition_list(engagement=engagement).order_by("at", "pk"))
    first = moves[0].from_phase if moves else engagement.phase
    start = local(engagement.created_at)
    spans = [PhaseSpan(first, str(Phase(first).label), start, None, "", "", "")]
    for move in moves:
        spans.append(
            PhaseSpan(
                move.to_phase,
                str(Phase(move.to_phase).label),
                local(move.at),
                None,
                str(move.by),
                move.note,
                move.override_reason,
            )
        )
    # Each stay ends where the next begins; the last one is the current phase.
    ends = [span.started for span in spans[1:]] + [None]
    return [
        replace(span, ended=end, days=((end or today) - span.started).days)
        for span, end in zip(spans, ends, strict=True)
    ]


def _stance(engagement: Engagement, local) -> dict[str, Any]:
    steps = list(stance_step_list(engagement=engagement))
    order = list(Engagement.Stance.values)
    current = order.index(engagement.stance)
    since: dict[str, date] = {Engagement.Stance.LEAD: local(engagement.created_at)}
    for step in steps:  # oldest first: the last move into a stance is when it began
        since[step.to_stance] = local(step.at)
    ladder = [
        {
            "stance": value,
            "label": label,
            "since": since.get(value) if i <= current else None,
            "reached": i <= current,
            "current": i == current,
        }
        for i, (value, label) in enumerate(Engagement.Stance.choices)
    ]
    history = [
        {
            "from_label": step.get_from_stance_display(),
            "to_label": step.get_to_stance_display(),
            "from_stance": step.from_stance,
            "to_stance": step.to_stance,
            "date": local(step.at),
            "by": str(step.by),
            "note": step.note,
        }
        for step in steps
    ]
    return {"current": engagement.stance, "ladder": ladder, "steps": history}


def _accuracy(engagement: Engagement, now: datetime) -> dict[str, Any]:
    trend = engagement_trend(engagement=engagement, now=now)
    overall = trend.overall
    value, week = overall.this_week.accuracy, "this_week"
    if value is None and overall.last_week.accuracy is not None:
        value, week = overall.last_week.accuracy, "last_week"
    target = target_share(engagement)
    meets = None
    if value is not None:
        meets = percent_one_decimal(value) >= percent_one_decimal(target)  # type: ignore[operator]
    latest = latest_round_for_engagement(engagement=engagement)
    training = None
    if latest is not None:
        metrics = round_metrics(training_round=latest)
        training = {
            "round": latest.number,
            "dataset": latest.dataset.name,
            "date": latest.date,
            # Training's accuracies are percents (85.0); the summary speaks in shares.
            "accuracy": None if metrics.accuracy is None else Decimal(str(metrics.accuracy)) / 100,
            "correct": metrics.correct,
            "total": metrics.total,
        }
    processes = [
        {
            "name": t.process.name if t.process else "",
            "this_week": t.this_week.accuracy,
            "last_week": t.last_week.accuracy,
            "this_week_decisions": t.this_week.with_outcome,
            "last_week_decisions": t.last_week.with_outcome,
        }
        for t in trend.processes
    ]
    return {
        "value": value,
        "week": week if value is not None else "",
        "target": target,
        "meets": meets,
        "processes": processes,
        "training": training,
    }


def gather(source: DocumentSource) -> SectionData:
    engagement = source.engagement
    tz = engagement.client.tzinfo

    def local(moment: datetime) -> date:
        return timezone.localtime(moment, tz).date()

    phases = _phase_history(engagement, local, local(source.generated_at))
    stance = _stance(engagement, local)
    rows = process_economics(engagement=engagement)
    total = economics_total(rows)
    accuracy = _accuracy(engagement, source.generated_at)
    economics: list[dict[str, Any]] = [
        {
            "name": row.process.name if row.process else "",
            "volume_per_day": row.volume_per_day,
            "minutes_per_case": row.minutes_per_case,
            "hours_per_day": row.hours_per_day,
            "automation_rate": row.automation_rate,
            "automation_basis": row.automation_basis,
            "hours_freed_per_day": row.hours_freed_per_day,
            "fte_freed": row.fte_freed,
        }
        for row in rows
    ]
    context = {
        "phases": phases,
        "current_phase": phases[-1],
        "stance": stance,
        "current_stance": next(s for s in stance["ladder"] if s["current"]),
        "economics": economics,
        "total": total,
        "accuracy": accuracy,
    }
    training = accuracy["training"]
    data = {
        "phase": engagement.phase,
        "phase_history": [span.as_data() for span in phases],
        "stance": {
            "current": stance["current"],
            "since": {
                s["stance"]: s["since"].isoformat() if s["since"] else None
                for s in stance["ladder"]
            },
            "steps": [
                {
                    "from": step["from_stance"],
                    "to": step["to_stance"],
                    "date": step["date"].isoformat(),
                    "by": step["by"],
                    "note": step["note"],
                }
                for step in stance["steps"]
            ],
        },
        "hours_freed": {
            "per_day": _hours(total["hours_freed_per_day"]),
            "fte": _hours(total["fte_freed"]),
            "human_hours_per_day": _hours(total["hours_per_day"]),
            "measured_processes": total["measured_processes"],
            "processes": [
                {
                    "name": row["name"],
                    "volume_per_day": row["volume_per_day"],
                    "minutes_per_case": row["minutes_per_case"],
                    "human_hours_per_day": _hours(row["hours_per_day"]),
                    "automation_rate": _share(row["automation_rate"]),
                    "automation_basis": row["automation_basis"],
                    "hours_freed_per_day": _hours(row["hours_freed_per_day"]),
                }
                for row in economics
            ],
        },
        "accuracy": {
            "value": _share(accuracy["value"]),
            "week": accuracy["week"],
            "target": _share(accuracy["target"]),
            "meets_target": accuracy["meets"],
            "processes": [
                {
                    "name": p["name"],
                    "this_week": _share(p["this_week"]),
                    "last_week": _share(p["last_week"]),
                }
                for p in accuracy["processes"]
            ],
            "latest_training_round": None
            if training is None
            else {
                "round": training["round"],
                "dataset": training["dataset"],
                "date": training["date"].isoformat(),
                "accuracy": _share(training["accuracy"]),
            },
        },
    }
    return SectionData(context=context, data=data)
