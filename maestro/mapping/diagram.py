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

COL_W, BOX_W, BOX_H, GAP, TOP, PAD = 460, 370, 84, 22, 86, 30
NAME_CHARS, WHO_CHARS = 40, 52  # per line, at 13px bold and 11px in a 370px box
INFORMAL, DECISION, LINK = AMBER, VIOLET, SLATE


def _text(parent, x, y, text, *, size=13, weight="normal", **kwargs):
    """This diagram's labels: 13px, normal weight unless told otherwise."""
    return _svg_text(parent, x, y, text, size=size, weight=weight, **kwargs)


def _wrap(text: str, width: int, lines: int) -> list[str]:
    """`text` in at most `lines` lines of about `width` characters, broken between words (a
    word longer than a line is cut); the last line ends in "…" if text is left over."""
    words, out, current = text.split(), [], ""
    for word in words:
        while len(word) > width:
            if current:
                out.append(current)
                current = ""
            out.append(word[: width - 1] + "-")
            word = word[width - 1 :]
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = _short(out[-1] + " …", width)
    return out or [""]


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
    # The name wraps to two lines (never cut mid-word); the whole of it is in the <title>.
    for i, line in enumerate(_wrap(f"{step.order}. {step.name}", NAME_CHARS - 3, 2)):
        _text(g, x + 12, y + 22 + 17 * i, line, weight="bold", cls="step-name")
    who = " · ".join(p for p in (step.actor, step.system) if p) or step.get_kind_display()
    _text(g, x + 12, y + 58, _short(who, WHO_CHARS), size=11, fill=MUTED)
    tags = [str(step.get_kind_display())]
    if step.cadence:
        tags.append(step.cadence)
    if step.undocumented:
        tags.append("undocumented")
    _text(g, x + 12, y + 74, _short(" · ".join(tags), 40), size=11, fill=MUTED)
    if step.informal:
        _text(
            g,
            x + BOX_W - 10,
            y + 74,
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


def process_map_id_prefix(process_id: int) -> str:
    """The ids of a process's map: one process, one drawing, wherever it is shown."""
    return f"map-{process_id}"


def process_map_svg(*, title: str, documented: Sequence, actual: Sequence, id_prefix: str) -> str:
    """`documented` and `actual` are the two step lists in order, with `decision_points`
    (and their `decision_type`) prefetched. Every id in the drawing starts with `id_prefix`
    (`process_map_id_prefix`), so that several maps in one page or document never share one."""
    rows = max(len(documented), len(actual), 1)
    legend_y = TOP + rows * (BOX_H + GAP) + 10
    width, height = PAD * 2 + COL_W * 2, legend_y + 60
    informal = sum(1 for s in actual if s.informal)
    decisions = sum(1 for s in actual if s.decision_points.all())
    svg = svg_root(
        title=f"Process map: {title}",
        title_id=f"{id_prefix}-title",
        desc=(
            f"Documented flow with {len(documented)} steps beside the actual flow with "
            f"{len(actual)} steps, {informal} of them informal and {decisions} with decision "
            "points."
        ),
        desc_id=f"{id_prefix}-desc",
        width=width,
        height=height,
    )
    marker = ET.SubElement(
        ET.SubElement(svg, "defs"),
        "marker",
        {
            "id": f"{id_prefix}-arrow",
            "viewBox": "0 0 10 10",
            "refX": "9",
            "refY": "5",
            "markerWidth": "7",
            "markerHeight": "7",
            "orient": "auto-start-reverse",
        },
    )
    ET.SubElement(marker, "path", {"d": "M0,0 L10,5 L0,10 z", "fill": MUTED})
    link_marker = ET.SubElement(
        svg.find("defs"),  # type: ignore[arg-type]
        "marker",
        {"id": f"{id_prefix}-link-arrow", "viewBox": "0 0 10 10", "refX": "9", "refY": "5",
         "markerWidth": "6", "markerHeight": "6", "orient": "auto"},
    )  # fmt: skip
    ET.SubElement(link_marker, "path", {"d": "M0,0 L10,5 L0,10 z", "fill": LINK})
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
                    lane,
                    line_x,
                    y - GAP,
                    line_x,
                    y - 2,
                    stroke=MUTED,
                    marker_end=f"url(#{id_prefix}-arrow)",
                )
            _box(lane, x, y, step)
            centre_y[step.pk] = y + BOX_H // 2
        if not steps:
            _text(lane, x, TOP + 24, "No steps yet.", fill=MUTED)
    # Which documented step each actual step belongs to: the gap, drawn as curves that stay
    # between the two columns (so never over a box), each ending in an arrow at its step.
    links = ET.SubElement(svg, "g", {"class": "links"})
    start_x, end_x = PAD + BOX_W, PAD + COL_W
    middle = (start_x + end_x) / 2
    for step in actual:
        if step.documented_step_id in centre_y:
            y1, y2 = centre_y[step.documented_step_id], centre_y[step.pk]
            ET.SubElement(
                links,
                "path",
                {
                    "d": f"M{start_x},{y1} C{middle},{y1} {middle},{y2} {end_x - 2},{y2}",
                    "fill": "none",
                    "stroke": LINK,
                    "stroke-width": "1.5",
                    "stroke-dasharray": "3 3",
                    "marker-end": f"url(#{id_prefix}-link-arrow)",
                    "class": "link",
                },
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
