"""The process map as a self-contained SVG: documented and actual flows side by side.

Pure function of the steps (no ORM calls of its own, no scripts, fonts or external URLs), so
the same picture serves the web page and the handoff PDF (WeasyPrint renders inline SVG).
Built with ElementTree, which escapes every name a client typed.
"""

import xml.etree.ElementTree as ET
from collections.abc import Sequence

SVG_NS = "http://www.w3.org/2000/svg"
COL_W, BOX_W, BOX_H, GAP, TOP, PAD = 430, 370, 66, 22, 86, 30
INFORMAL, DECISION, LINK, INK, MUTED = "#b45309", "#6d28d9", "#94a3b8", "#0f172a", "#475569"
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(parent, x, y, text, *, size=13, weight="normal", fill=INK, anchor="start", cls=""):
    el = ET.SubElement(
        parent,
        "text",
        {
            "x": str(x),
            "y": str(y),
            "font-size": str(size),
            "font-weight": weight,
            "fill": fill,
            "text-anchor": anchor,
        },
    )
    if cls:
        el.set("class", cls)
    el.text = text
    return el


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
        "x": str(x),
        "y": str(y),
        "width": str(BOX_W),
        "height": str(BOX_H),
        "rx": "8",
        "fill": "#fff7ed" if step.informal else "#ffffff",
        "stroke": INFORMAL if step.informal else "#334155",
        "stroke-width": "2" if step.informal else "1.2",
    }
    if step.informal:
        rect["stroke-dasharray"] = "6 4"
    ET.SubElement(g, "rect", rect)
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
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "role": "img",
            "aria-labelledby": "map-title map-desc",
            "font-family": FONT,
        },
    )
    ET.SubElement(svg, "title", {"id": "map-title"}).text = f"Process map: {title}"
    informal = sum(1 for s in actual if s.informal)
    decisions = sum(1 for s in actual if s.decision_points.all())
    ET.SubElement(svg, "desc", {"id": "map-desc"}).text = (
        f"Documented flow with {len(documented)} steps beside the actual flow with "
        f"{len(actual)} steps, {informal} of them informal and {decisions} with decision points."
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
                line_x = str(x + BOX_W // 2)
                ET.SubElement(
                    lane,
                    "line",
                    {
                        "x1": line_x,
                        "y1": str(y - GAP),
                        "x2": line_x,
                        "y2": str(y - 2),
                        "stroke": MUTED,
                        "marker-end": "url(#arrow)",
                    },
                )
            _box(lane, x, y, step)
            centre_y[step.pk] = y + BOX_H // 2
        if not steps:
            _text(lane, x, TOP + 24, "No steps yet.", fill=MUTED)
    # Which documented step each actual step belongs to: the gap, drawn.
    links = ET.SubElement(svg, "g", {"class": "links"})
    for step in actual:
        if step.documented_step_id in centre_y:
            ET.SubElement(
                links,
                "line",
                {
                    "x1": str(PAD + BOX_W),
                    "y1": str(centre_y[step.documented_step_id]),
                    "x2": str(PAD + COL_W),
                    "y2": str(centre_y[step.pk]),
                    "stroke": LINK,
                    "stroke-dasharray": "2 3",
                },
            )
    legend = ET.SubElement(svg, "g", {"class": "legend"})
    _text(legend, PAD, legend_y + 8, "Legend", weight="bold")
    ET.SubElement(
        legend,
        "rect",
        {
            "x": str(PAD),
            "y": str(legend_y + 20),
            "width": "28",
            "height": "18",
            "rx": "4",
            "fill": "#fff7ed",
            "stroke": INFORMAL,
            "stroke-width": "2",
            "stroke-dasharray": "6 4",
        },
    )
    _text(legend, PAD + 36, legend_y + 34, "Informal step (off the official system)")
    cx, cy = PAD + 330, legend_y + 29
    ET.SubElement(
        legend,
        "polygon",
        {"points": f"{cx},{cy - 9} {cx + 9},{cy} {cx},{cy + 9} {cx - 9},{cy}", "fill": DECISION},
    )
    _text(legend, cx + 16, legend_y + 34, "Decision point")
    ET.SubElement(
        legend,
        "line",
        {
            "x1": str(PAD + 490),
            "y1": str(cy),
            "x2": str(PAD + 530),
            "y2": str(cy),
            "stroke": LINK,
            "stroke-dasharray": "2 3",
        },
    )
    _text(legend, PAD + 538, legend_y + 34, "Part of documented step")
    return ET.tostring(svg, encoding="unicode")
