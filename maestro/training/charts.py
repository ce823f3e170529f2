"""Training charts as self-contained SVG: accuracy across rounds, per-category bars and the
threshold sweep. Pure functions of already-computed numbers (no ORM), no scripts or external
URLs, so the same pictures serve the pages and the handoff PDF (maestro.lib.svg)."""

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from maestro.lib.svg import (
    AMBER,
    BLUE,
    GREEN,
    GRID,
    MUTED,
    num,
    svg_line,
    svg_rect,
    svg_root,
    svg_string,
    svg_text,
    truncate,
)

LINE, TARGET, AUTO = BLUE, AMBER, GREEN
W, H, LEFT, RIGHT, TOP, BOTTOM = 640, 300, 56, 24, 36, 48


def _axes(root, plot_h: float, *, label: str) -> None:
    for pct in (0, 25, 50, 75, 100):
        y = TOP + plot_h * (1 - pct / 100)
        svg_line(root, LEFT, y, W - RIGHT, y, stroke=GRID)
        svg_text(root, LEFT - 8, y + 4, f"{pct}%", size=11, fill=MUTED, anchor="end")
    svg_text(root, LEFT, 20, label, size=13, fill=MUTED)


def _y(pct: float | None, plot_h: float) -> float:
    return TOP + plot_h * (1 - (pct or 0) / 100)


def accuracy_chart_svg(*, rounds: Sequence[dict], target: float | None = None) -> str:
    """Accuracy (%) of each round, as a line with labelled points; the target as a dashed line."""
    root = svg_root(title="Accuracy across rounds", width=W, height=H, cls="chart accuracy-chart")
    plot_h = H - TOP - BOTTOM
    _axes(root, plot_h, label="Accuracy per round")
    if target is not None:
        y = _y(target, plot_h)
        svg_line(root, LEFT, y, W - RIGHT, y, stroke=TARGET, stroke_dasharray="6 4", cls="target")
        svg_text(root, W - RIGHT, y - 6, f"target {target:g}%", size=11, fill=TARGET, anchor="end")
    if not rounds:
        svg_text(root, W / 2, H / 2, "No rounds yet", fill=MUTED, anchor="middle")
        return svg_string(root)
    step = (W - LEFT - RIGHT) / max(len(rounds), 1)
    points = []
    for i, row in enumerate(rounds):
        x = LEFT + step * (i + 0.5)
        y = _y(row["accuracy"], plot_h)
        points.append((x, y))
        svg_text(
            root, x, H - BOTTOM + 18, f"Round {row['number']}", size=11, fill=MUTED, anchor="middle"
        )
    ET.SubElement(
        root, "polyline",
        {"points": " ".join(f"{num(x)},{num(y)}" for x, y in points), "fill": "none",
         "stroke": LINE, "stroke-width": "2.5"},
    )  # fmt: skip
    for (x, y), row in zip(points, rounds, strict=True):
        g = ET.SubElement(root, "g", {"class": "point"})
        ET.SubElement(g, "circle", {"cx": num(x), "cy": num(y), "r": "5", "fill": LINE})
        accuracy = row["accuracy"]
        svg_text(g, x, y - 10, "—" if accuracy is None else f"{accuracy:g}%", anchor="middle")
    return svg_string(root)


def category_bars_svg(*, categories: Sequence[dict], minimums: dict | None = None) -> str:
    """One horizontal bar per category: accuracy (%), with the minimum if one is set."""
    minimums = minimums or {}
    row_h, label_w = 28, 200
    height = TOP + row_h * max(len(categories), 1) + 16
    root = svg_root(
        title="Accuracy per category", width=W, height=height, cls="chart category-chart"
    )
    svg_text(root, 8, 20, "Accuracy per category", size=13, fill=MUTED)
    span = W - label_w - RIGHT - 60
    for i, row in enumerate(categories):
        y = TOP + i * row_h
        g = ET.SubElement(root, "g", {"class": "bar"})
        name = row["category"]
        svg_text(g, label_w - 8, y + 15, truncate(name, 28), anchor="end")
        accuracy = row["accuracy"] or 0
        svg_rect(g, label_w, y + 3, span * accuracy / 100, row_h - 10, fill=LINE, rx="3")
        label = f"{accuracy:g}% ({row['correct']}/{row['total']})"
        svg_text(g, label_w + span * accuracy / 100 + 6, y + 15, label, size=11, fill=MUTED)
        if name in minimums:
            x = label_w + span * float(minimums[name]) / 100
            svg_line(g, x, y, x, y + row_h - 4, stroke=TARGET, stroke_width="2", cls="minimum")
    return svg_string(root)


def calibration_chart_svg(*, bands: Sequence[dict]) -> str:
    """Accuracy per confidence band as bars, against the dashed line of perfect calibration
    (a band's accuracy equal to its confidence); the case count under each band."""
    root = svg_root(title="Calibration", width=W, height=H, cls="chart calibration-chart")
    plot_h = H - TOP - BOTTOM
    _axes(root, plot_h, label="Accuracy per confidence band (dashed: perfectly calibrated)")
    if not bands:
        return svg_string(root)
    step = (W - LEFT - RIGHT) / len(bands)
    for i, band in enumerate(bands):
        x = LEFT + step * i
        g = ET.SubElement(root, "g", {"class": "band"})
        if band["accuracy"] is not None:
            y = _y(band["accuracy"], plot_h)
            svg_rect(g, x + step * 0.15, y, step * 0.7, TOP + plot_h - y, fill=LINE, rx="3")
            svg_text(g, x + step / 2, y - 6, f"{band['accuracy']:.1f}%", size=11, anchor="middle")
        label = f"{band['low']:.1f}–{band['high']:.1f}"
        svg_text(g, x + step / 2, H - BOTTOM + 18, label, size=11, fill=MUTED, anchor="middle")
        svg_text(g, x + step / 2, H - BOTTOM + 34, f"{band['n']:,} cases", size=10, fill=MUTED,
                 anchor="middle")  # fmt: skip
        ideal = _y(100 * (band["low"] + band["high"]) / 2, plot_h)
        svg_line(g, x + step * 0.1, ideal, x + step * 0.9, ideal, stroke=TARGET,
                 stroke_dasharray="5 3", stroke_width="2", cls="ideal")  # fmt: skip
    return svg_string(root)


def threshold_sweep_svg(*, sweep: Sequence[dict], current: float | None = None) -> str:
    """For each threshold: share routed to humans and accuracy of the auto-routed rest; the
    playbook's current threshold, if given, as a labelled vertical line."""
    root = svg_root(title="What-if threshold sweep", width=W, height=H, cls="chart sweep-chart")
    plot_h = H - TOP - BOTTOM
    _axes(root, plot_h, label="Escalated to humans (amber) and auto-routed accuracy (green)")
    if not sweep:
        return svg_string(root)
    step = (W - LEFT - RIGHT) / len(sweep)
    if current is not None:
        first, last = sweep[0]["threshold"], sweep[-1]["threshold"]
        span = (last - first) or 1
        x = LEFT + step * 0.5 + (len(sweep) - 1) * step * (current - first) / span
        x = min(max(x, LEFT), W - RIGHT)
        g = ET.SubElement(root, "g", {"class": "current-threshold"})
        svg_line(g, x, TOP, x, TOP + plot_h, stroke=MUTED, stroke_width="2",
                 stroke_dasharray="2 3")  # fmt: skip
        svg_text(g, x + 4, TOP + 12, f"playbook: {current:.2f}", size=11, fill=MUTED)
    for key, colour, cls in (
        ("escalation_rate", TARGET, "escalation"),
        ("auto_accuracy", AUTO, "auto"),
    ):
        points = []
        for i, row in enumerate(sweep):
            if row[key] is None:
                continue
            points.append(f"{num(LEFT + step * (i + 0.5))},{num(_y(row[key], plot_h))}")
        ET.SubElement(
            root, "polyline",
            {"points": " ".join(points), "fill": "none", "stroke": colour, "stroke-width": "2.5",
             "class": cls},
        )  # fmt: skip
    for i, row in enumerate(sweep):
        svg_text(root, LEFT + step * (i + 0.5), H - BOTTOM + 18, f"{row['threshold']:.2f}",
                 size=11, fill=MUTED, anchor="middle")  # fmt: skip
    return svg_string(root)
