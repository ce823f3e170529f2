"""Section: the process maps. For each process, documented against actual: the same SVG
diagram as its page (maestro.mapping.diagram) and the gap in numbers (4 documented → 11 actual
steps, hidden steps, informal approvals, systems touched, decision points).

Three queries whatever the number of processes and steps: the processes, then all their steps,
then the steps' decision points with their types (mapping.selectors.process_summary and the
diagram read only what is prefetched).
"""

import re
from typing import Any

from django.db.models import Prefetch
from django.utils.safestring import mark_safe

from handoff.document.sections import SectionData
from handoff.document.source import DocumentSource
from maestro.mapping.diagram import process_map_id_prefix, process_map_svg
from maestro.mapping.models import DecisionPoint, Process, Step
from maestro.mapping.selectors import process_summary

# The diagram is drawn in CSS pixels (980 wide, taller with every step), wider than any page's
# text. It is scaled to the text width (about 170 mm on A4 and Letter), and narrower when that
# would make it taller than a page's text (257 mm on A4, 239 mm on Letter) less its caption, so
# an 11-step map still fills the width and no map is ever cut.
TEXT_WIDTH_MM = 170
FIGURE_HEIGHT_MM = 215
_SVG_TAG = re.compile(r"<svg\b[^>]*>")
_SIZE = re.compile(r'\s(width|height)="([0-9.]+)"')


def fit_to_page(svg: str) -> str:
    """The same SVG, sized as a share of the text width (its viewBox keeps the proportions)."""
    tag = _SVG_TAG.search(svg)
    if tag is None:
        return svg
    size = dict(_SIZE.findall(tag.group(0)))
    if "width" not in size or "height" not in size:
        return svg
    ratio = float(size["width"]) / float(size["height"])
    percent = min(100.0, 100.0 * FIGURE_HEIGHT_MM * ratio / TEXT_WIDTH_MM)
    fitted = _SIZE.sub("", tag.group(0)).replace("<svg", f'<svg width="{percent:.1f}%"', 1)
    return svg[: tag.start()] + fitted + svg[tag.end() :]


def _steps_by_process(processes: list[Process]) -> dict[int, list[Step]]:
    steps: dict[int, list[Step]] = {p.pk: [] for p in processes}
    rows = (
        Step.objects.filter(process__in=processes)
        .prefetch_related(
            Prefetch(
                "decision_points",
                queryset=DecisionPoint.objects.select_related("decision_type").order_by("pk"),
            )
        )
        .order_by("process_id", "flow", "order")
    )
    for step in rows:
        steps[step.process_id].append(step)
    return steps


def _step_data(step: Step, numbers: dict[int, int]) -> dict[str, Any]:
    return {
        "order": step.order,
        "name": step.name,
        "actor": step.actor,
        "system": step.system,
        "kind": step.kind,
        "informal": step.informal,
        "undocumented": step.undocumented,
        "cadence": step.cadence,
        # The number of the documented step this one is part of (actual steps only).
        "documented_step": numbers.get(step.documented_step_id or 0),
        "decision_types": [dp.decision_type.name for dp in step.decision_points.all()],
    }


def gather(source: DocumentSource) -> SectionData:
    processes = list(Process.objects.filter(engagement=source.engagement).order_by("name", "pk"))
    steps = _steps_by_process(processes) if processes else {}
    maps, data = [], []
    for process in processes:
        own = steps[process.pk]
        documented = [s for s in own if s.flow == Step.Flow.DOCUMENTED]
        actual = [s for s in own if s.flow == Step.Flow.ACTUAL]
        summary = process_summary(process=process, steps=own)
        diagram = process_map_svg(
            title=process.name,
            documented=documented,
            actual=actual,
            id_prefix=process_map_id_prefix(process.pk),
        )
        maps.append(
            {
                "process": process,
                "summary": summary,
                "systems": len(summary["systems_touched"]),
                # ElementTree output: every name a client typed is escaped (maestro.lib.svg).
                "diagram": mark_safe(fit_to_page(diagram)),  # noqa: S308
            }
        )
        numbers = {s.pk: s.order for s in documented}
        data.append(
            {
                "name": process.name,
                "owner_team": process.owner_team,
                "volume_per_day": process.volume_per_day,
                "minutes_per_case": process.minutes_per_case,
                "documented_steps": summary["documented_steps"],
                "actual_steps": summary["actual_steps"],
                "hidden_steps": summary["hidden_steps"],
                "informal_steps": summary["informal_steps"],
                "informal_approvals": summary["informal_approvals"],
                "systems_touched": summary["systems_touched"],
                "decision_points": summary["decision_points"],
                "decision_points_by_autonomy": summary["decision_points_by_autonomy"],
                "documented": [_step_data(s, numbers) for s in documented],
                "actual": [_step_data(s, numbers) for s in actual],
            }
        )
    return SectionData(context={"maps": maps}, data={"processes": data})
