"""Reads of process maps. Every queryset starts from engagements_for(user) (engagements.scoping)."""

from collections import Counter
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import engagements_for
from maestro.lib.memo import request_memo
from maestro.mapping.models import DecisionPoint, DecisionType, Process, Step
from maestro.tenancy.models import User

ACTUAL = Step.Flow.ACTUAL
DOCUMENTED = Step.Flow.DOCUMENTED


def process_list_for_user(*, user: User) -> QuerySet[Process]:
    """Processes of the engagements the user may see, with their step and decision point
    counts annotated (the list pages and the API read them per row)."""
    return (
        Process.objects.filter(engagement__in=engagements_for(user))
        .select_related("engagement__client", "engagement__lead")
        .annotate(
            documented_step_count=Count("steps", filter=Q(steps__flow=DOCUMENTED), distinct=True),
            actual_step_count=Count("steps", filter=Q(steps__flow=ACTUAL), distinct=True),
            decision_point_count=Count("steps__decision_points", distinct=True),
        )
    )


def process_get_for_user(*, user: User, pk: int) -> Process:
    # The members: can_manage_engagement reads them to decide who may edit.
    return get_object_or_404(
        process_list_for_user(user=user).prefetch_related("engagement__members"), pk=pk
    )


def step_list_for_user(*, user: User) -> QuerySet[Step]:
    return (
        Step.objects.filter(process__engagement__in=engagements_for(user))
        .select_related("process__engagement")
        .annotate(decision_point_count=Count("decision_points"))
        .order_by("process_id", "flow", "order")
    )


def step_get_for_user(*, user: User, pk: int) -> Step:
    return get_object_or_404(step_list_for_user(user=user), pk=pk)


def decision_type_list_for_user(*, user: User) -> QuerySet[DecisionType]:
    return (
        DecisionType.objects.filter(engagement__in=engagements_for(user))
        .select_related("engagement")
        .annotate(decision_point_count=Count("decision_points"))
    )


def decision_type_get_for_user(*, user: User, pk: int) -> DecisionType:
    return get_object_or_404(decision_type_list_for_user(user=user), pk=pk)


def decision_point_list_for_user(*, user: User) -> QuerySet[DecisionPoint]:
    return (
        DecisionPoint.objects.filter(step__process__engagement__in=engagements_for(user))
        .select_related("step__process__engagement", "decision_type")
        .order_by("step__process_id", "step__order", "pk")
    )


def decision_point_get_for_user(*, user: User, pk: int) -> DecisionPoint:
    return get_object_or_404(decision_point_list_for_user(user=user), pk=pk)


def process_steps(*, process: Process) -> QuerySet[Step]:
    """Both flows of one map, each in order, with the decision points (and their types) of
    every step prefetched: what the diagram, the summary and the export read."""
    return (
        Step.objects.filter(process=process)
        .select_related("documented_step")
        .prefetch_related(
            Prefetch(
                "decision_points",
                queryset=DecisionPoint.objects.select_related("decision_type").order_by("pk"),
            )
        )
        .order_by("flow", "order")
    )


def process_summary(*, process: Process, steps: list[Step] | None = None) -> dict[str, Any]:
    """The gap between the wiki and the floor: step counts, hidden (undocumented) steps,
    informal approvals, systems touched and decision points by autonomy level."""
    steps = list(process_steps(process=process)) if steps is None else steps
    documented = [s for s in steps if s.flow == DOCUMENTED]
    actual = [s for s in steps if s.flow == ACTUAL]
    autonomy: Counter[str] = Counter(
        dp.decision_type.autonomy for s in actual for dp in s.decision_points.all()
    )
    systems: dict[str, str] = {}  # "ERP" and "erp " are one system: keep the first spelling
    for step in actual:
        if step.system.strip():
            systems.setdefault(step.system.strip().lower(), step.system.strip())
    return {
        "documented_steps": len(documented),
        "actual_steps": len(actual),
        "hidden_steps": sum(1 for s in actual if s.undocumented),
        "informal_steps": sum(1 for s in actual if s.informal),
        "informal_approvals": sum(1 for s in actual if s.informal and s.kind == Step.Kind.APPROVAL),
        "systems_touched": sorted(systems.values(), key=str.lower),
        "decision_points": sum(autonomy.values()),
        "decision_points_by_autonomy": {
            level: autonomy.get(level, 0) for level in DecisionType.Autonomy.values
        },
        "human_minutes_per_day": process.volume_per_day * process.minutes_per_case,
    }


def decision_inventory(*, engagement: Engagement) -> list[dict[str, Any]]:
    """The engagement's decision types grouped by autonomy level (most autonomous first), each
    with the steps where the decision is taken."""
    types = (
        DecisionType.objects.filter(engagement=engagement)
        .prefetch_related(
            Prefetch(
                "decision_points",
                queryset=DecisionPoint.objects.select_related("step__process").order_by(
                    "step__process__name", "step__order"
                ),
            )
        )
        .order_by("name")
    )
    groups: dict[str, list[DecisionType]] = {level: [] for level in DecisionType.Autonomy.values}
    for decision_type in types:
        groups[decision_type.autonomy].append(decision_type)
    return [
        {"autonomy": level, "label": label, "decision_types": groups[level]}
        for level, label in DecisionType.Autonomy.choices
    ]


def _step_fields(step: Step) -> dict[str, Any]:
    return {
        "name": step.name,
        "actor": step.actor,
        "system": step.system,
        "kind": step.kind,
        "informal": step.informal,
        "undocumented": step.undocumented,
        "cadence": step.cadence,
    }


EXPORT_FORMAT = "maestro.process-map/1"


def process_map_export(*, process: Process) -> dict[str, Any]:
    """The whole map as plain JSON: `process_map_import` reads it back to the same map. Order
    is the position in each list; an actual step names its documented step by number."""
    steps = list(process_steps(process=process))
    documented = [s for s in steps if s.flow == DOCUMENTED]
    number = {s.pk: s.order for s in documented}
    used: dict[int, DecisionType] = {}
    actual = []
    for step in (s for s in steps if s.flow == ACTUAL):
        points = []
        for dp in step.decision_points.all():
            used[dp.decision_type.pk] = dp.decision_type
            points.append(
                {
                    "decision_type": dp.decision_type.name,
                    "inputs": dp.inputs,
                    "outcomes": dp.outcomes,
                }
            )
        actual.append(
            {
                **_step_fields(step),
                "documented_step": number.get(step.documented_step_id)
                if step.documented_step_id
                else None,
                "decision_points": points,
            }
        )
    return {
        "format": EXPORT_FORMAT,
        "process": {
            "name": process.name,
            "description": process.description,
            "volume_per_day": process.volume_per_day,
            "minutes_per_case": process.minutes_per_case,
            "owner_team": process.owner_team,
        },
        "documented_steps": [_step_fields(s) for s in documented],
        "actual_steps": actual,
        "decision_types": [
            {
                "name": dt.name,
                "description": dt.description,
                "autonomy": dt.autonomy,
                "confidence_threshold": dt.confidence_threshold,
                "exposure_amount": dt.exposure_amount,
                "exposure_currency": dt.exposure_currency,
                "compliance": dt.compliance,
                "reputational_note": dt.reputational_note,
            }
            for dt in sorted(used.values(), key=lambda dt: dt.name)
        ],
    }


def engagement_processes(*, engagement: Engagement) -> list[Process]:
    """The engagement's processes by name: one query, shared by the parts of a page."""
    return request_memo(
        ("engagement_processes", engagement.pk),
        lambda: list(Process.objects.filter(engagement=engagement).order_by("name")),
    )


def engagement_process_summaries(*, engagement: Engagement) -> list[dict[str, Any]]:
    """Each process of the engagement with its summary, for the engagement page. Two queries
    for any number of processes (processes, then all their steps with decision points)."""
    processes = engagement_processes(engagement=engagement)
    steps_by_process: dict[int, list[Step]] = {p.pk: [] for p in processes}
    all_steps = (
        Step.objects.filter(process__engagement=engagement)
        .prefetch_related(
            Prefetch(
                "decision_points",
                queryset=DecisionPoint.objects.select_related("decision_type"),
            )
        )
        .order_by("flow", "order")
    )
    for step in all_steps:
        steps_by_process[step.process_id].append(step)
    return [
        {"process": p, "summary": process_summary(process=p, steps=steps_by_process[p.pk])}
        for p in processes
    ]


def process_delete_impact(*, process: Process) -> dict[str, Any]:
    """What deleting the process would remove (the confirmation page lists it) and what blocks
    the delete (live decisions, an escalation playbook; see services.process_delete)."""
    steps = Counter(Step.objects.filter(process=process).values_list("flow", flat=True))
    return {
        "documented_steps": steps.get(DOCUMENTED, 0),
        "actual_steps": steps.get(ACTUAL, 0),
        "decision_points": DecisionPoint.objects.filter(step__process=process).count(),
        "datasets": process.datasets.count(),
        "runbooks": process.runbooks.count(),
        "decisions": process.decisions.count(),
        "has_playbook": Process.objects.filter(pk=process.pk, playbook__isnull=False).exists(),
    }
