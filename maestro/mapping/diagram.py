"""The process map as a self-contained SVG: documented and actual flows side by side.

Pure function of the steps (no ORM calls of its own, no scripts, fonts or external URLs), so
the same picture serves the web page and the handoff PDF (WeasyPrint renders inline SVG).
Built with ElementTree, which escapes every name a client typed (maestro.lib.svg).
"""

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from maestro.lib.svg import AMBER, MUTED, SLATE, VIOLET, svg_line, svg_rect, svg_root, svg_string
from maestro.lib.svg import svg_text as _svg_text
from maestro.lib.svg import truncate as _short

COL_W, BOX_W, BOX_H, GAP, TOP, PAD = 430, 370, 66, 22, 86, 30
INFORMAL, DECISION, LINK = AMBER, VIOLET, SLATE


def _text(parent, x, y, text, *, size=13, weight="normal", **kwargs):
    """This diagram's labels: 13px, normal weight unless told otherwise."""
    return _svg_text(parent, x, y, text, size=size, weight=weight, **kwargs)


def _box(parent, x: int, y: int, step) -> None:
    points = list(step.decision_points.all())
    classes = ["step", step.flow]
    if step.informal:
        classes.append("informal")
    if points:
        classes.append("decision-point")
    g = ET.SubElement(parent, "g", {"class": " ".join(classes), "data-step-id": str(step.pk)})
    tooltip = f"{step.order}. {step.name}"
    ET.SubElement(g, "title").text = tooltip
    rect = {
        "rx": "8",
        "stroke": INFORMAL if step.informal else "#334155",
        "stroke_width": "2" if step.informal else "1.2",
    }
    if step.informal:
        rect["stroke_dasharray"] = "6 4"
    svg_rect(g, x, y, BOX_W, BOX_H, fill="#fff7ed" if step.informal else "#ffffff", **rect)
    _text(g, x + 12, y + 22, _short(f"{step.order}. {step.name}", 38), weight="bold")
    who = " · ".join(p for p in (step.actor, step.system) if p) or step.get_kind_display()
    _text(g, x + 12, y + 41, _short(who, 48), size=11, fill=MUTED)
    tags = [str(step.get_kind_display())]
    if step.cadence:
        tags.append(step.cadence)
    if step.undocumented:
        tags.append("undocumented")
    _text(g, x + 12, y + 57, _short(" · ".join(tags), 34), size=11, fill=MUTED)
    if step.informal:
        _text(
            g,
            x + BOX_W - 10,
            y + 57,
            "INFORMAL",
            size=10,
            weight="bold",
            fill=INFORMAL,
            anchor="end",
            cls="marker-informal",
        )
    if points:
        cx, cy = x + BOX_W - 18, y + 18
        ET.SubElement(
            g,
            "polygon",
            {
                "points": f"{cx},{cy - 11} {cx + 11},{cy} {cx},{cy + 11} {cx - 11},{cy}",
                "fill": DECISION,
                "class": "marker-decision",
            },
        )
        ET.SubElement(g, "title").text = "Decision point: " + ", ".join(
            dp.decision_type.name for dp in points
        )


def process_map_svg(*, title: str, documented: Sequence, actual: Sequence) -> str:
    """`documented` and `actual` are the two step lists in order, with `decision_points`
    (and their `decision_type`) prefetched."""
    rows = max(len(documented), len(actual), 1)
    legend_y = TOP + rows * (BOX_H + GAP) + 10
    width, height = PAD * 2 + COL_W * 2, legend_y + 60
    informal = sum(1 for s in actual if s.informal)
    decisions = sum(1 for s in actual if s.decision_points.all())
    svg = svg_root(
        title=f"Process map: {title}",
        title_id="map-title",
        desc=(
            f"Documented flow with {len(documented)} steps beside the actual flow with "
            f"{len(actual)} steps, {informal} of them informal and {decisions} with decision "
            "points."
        ),
        desc_id="map-desc",
        width=width,
        height=height,
    )
    marker = ET.SubElement(
        ET.SubElement(svg, "defs"),
        "marker",
        {
            "id": "arrow",
            "viewBox": "0 0 10 10",
            "refX": "9",
            "refY": "5",
            "markerWidth": "7",
            "markerHeight": "7",
            "orient": "auto-start-reverse",
        },
    )
    ET.SubElement(marker, "path", {"d": "M0,0 L10,5 L0,10 z", "fill": MUTED})
    columns = [("Documented (what the wiki says)", documented), ("Actual (what people do)", actual)]
    centre_y: dict[int, int] = {}
    for index, (heading, steps) in enumerate(columns):
        x = PAD + index * COL_W
        _text(svg, x, 40, heading, size=16, weight="bold")
        _text(svg, x, 62, f"{len(steps)} step{'s' if len(steps) != 1 else ''}", fill=MUTED)
        lane = ET.SubElement(
            svg, "g", {"class": f"flow {'documented' if index == 0 else 'actual'}"}
        )
        for row, step in enumerate(steps):
            y = TOP + row * (BOX_H + GAP)
            if row:
                line_x = x + BOX_W // 2
                svg_line(
                    lane, line_x, y - GAP, line_x, y - 2, stroke=MUTED, marker_end="url(#arrow)"
                )
            _box(lane, x, y, step)
            centre_y[step.pk] = y + BOX_H // 2
        if not steps:
            _text(lane, x, TOP + 24, "No steps yet.", fill=MUTED)
    # Which documented step each actual step belongs to: the gap, drawn.
    links = ET.SubElement(svg, "g", {"class": "links"})
    for step in actual:
        if step.documented_step_id in centre_y:
            svg_line(
                links,
                PAD + BOX_W,
                centre_y[step.documented_step_id],
                PAD + COL_W,
                centre_y[step.pk],
                stroke=LINK,
                stroke_dasharray="2 3",
            )
    legend = ET.SubElement(svg, "g", {"class": "legend"})
    _text(legend, PAD, legend_y + 8, "Legend", weight="bold")
    svg_rect(
        legend,
        PAD,
        legend_y + 20,
        28,
        18,
        fill="#fff7ed",
        rx="4",
        stroke=INFORMAL,
        stroke_width="2",
        stroke_dasharray="6 4",
    )
    _text(legend, PAD + 36, legend_y + 34, "Informal step (off the official system)")
    cx, cy = PAD + 330, legend_y + 29
    ET.SubElement(
        legend,
        "polygon",
        {"points": f"{cx},{cy - 9} {cx + 9},{cy} {cx},{cy + 9} {cx - 9},{cy}", "fill": DECISION},
    )
    _text(legend, cx + 16, legend_y + 34, "Decision point")
    svg_line(legend, PAD + 490, cy, PAD + 530, cy, stroke=LINK, stroke_dasharray="2 3")
    _text(legend, PAD + 538, legend_y + 34, "Part of documented step")
    return svg_string(svg)
