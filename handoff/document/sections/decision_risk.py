"""Section: decision types and risk calibration, per process. Each judgment the agent may take
over, where in the actual flow it is taken, and how it was calibrated: autonomy level, the
confidence threshold below which a human reviews, financial exposure, compliance and
reputational notes.

Two queries whatever the number of types, processes and decision points (the decision
inventory of maestro.mapping.selectors). In the embedded JSON, thresholds and amounts are decimal
strings as stored ("0.80", "10000.00").
"""

from typing import Any

from django.utils.translation import gettext as _

from handoff.document.sections import SectionData
from handoff.document.source import DocumentSource
from maestro.mapping.models import DecisionType
from maestro.mapping.selectors import decision_inventory


def _text(value) -> str | None:
    return None if value is None else str(value)


def _type_data(decision_type: DecisionType) -> dict[str, Any]:
    return {
        "name": decision_type.name,
        "description": decision_type.description,
        "autonomy": decision_type.autonomy,
        "confidence_threshold": _text(decision_type.confidence_threshold),
        "exposure_amount": _text(decision_type.exposure_amount),
        "exposure_currency": decision_type.exposure_currency,
        "compliance": decision_type.compliance,
        "reputational_note": decision_type.reputational_note,
        "decision_points": [
            {
                "process": point.step.process.name,
                "step_order": point.step.order,
                "step": point.step.name,
            }
            for point in decision_type.decision_points.all()
        ],
    }


def gather(source: DocumentSource) -> SectionData:
    inventory = decision_inventory(engagement=source.engagement)
    types = sorted(
        (t for group in inventory for t in group["decision_types"]), key=lambda t: (t.name, t.pk)
    )
    # Per process, by name: each type taken there, with the steps (in flow order) that take it.
    processes: dict[int, dict[str, Any]] = {}
    unplaced = []
    for decision_type in types:
        points = list(decision_type.decision_points.all())
        if not points:
            unplaced.append(decision_type)
        for point in points:
            process = point.step.process
            entry = processes.setdefault(process.pk, {"process": process, "rows": {}})
            row = entry["rows"].setdefault(decision_type.pk, {"type": decision_type, "steps": []})
            row["steps"].append(point.step)
    by_process = [
        {"process": entry["process"], "rows": list(entry["rows"].values())}
        for entry in sorted(processes.values(), key=lambda e: (e["process"].name, e["process"].pk))
    ]
    autonomy = [
        {"autonomy": group["autonomy"], "label": group["label"], "n": len(group["decision_types"])}
        for group in inventory
    ]
    groups = [{"heading": entry["process"].name, "rows": entry["rows"]} for entry in by_process]
    if unplaced:
        groups.append(
            {
                "heading": _("Not yet placed on a map"),
                "rows": [{"type": t, "steps": []} for t in unplaced],
            }
        )
    context = {
        "groups": groups,
        "placed": bool(by_process),
        "autonomy": autonomy,
        "types": len(types),
        "compliance": sum(1 for t in types if t.compliance),
    }
    data = {
        "decision_types": [_type_data(t) for t in types],
        "processes": [
            {
                "name": entry["process"].name,
                "decision_types": [row["type"].name for row in entry["rows"]],
            }
            for entry in by_process
        ],
        "by_autonomy": {row["autonomy"]: row["n"] for row in autonomy},
    }
    return SectionData(context=context, data=data)
