"""Training charts as self-contained SVG: accuracy across rounds, per-category bars and the
threshold sweep. Pure functions of already-computed numbers (no ORM), no scripts or external
URLs, so the same pictures serve the pages and the handoff PDF. Built with ElementTree, which
escapes every category name a client typed."""

import xml.etree.ElementTree as ET
from collections.abc import Sequence

SVG_NS = "http://www.w3.org/2000/svg"
INK, MUTED, GRID, LINE, TARGET, AUTO = (
    "#0f172a",
    "#475569",
    "#e2e8f0",
    "#2563eb",
    "#b45309",
    "#059669",
)
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
W, H, LEFT, RIGHT, TOP, BOTTOM = 640, 300, 56, 24, 36, 48


def _svg(title: str, width: int, height: int) -> ET.Element:
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "role": "img",
            "font-family": FONT,
        },
    )
    ET.SubElement(root, "title").text = title
    return root


def _text(parent, x, y, text, *, size=12, fill=INK, anchor="start", cls=""):
    attrs = {"x": f"{x:.1f}", "y": f"{y:.1f}", "font-size": str(size), "fill": fill}
    attrs["text-anchor"] = anchor
    if cls:
        attrs["class"] = cls
    el = ET.SubElement(parent, "text", attrs)
    el.text = text
    return el


def _axes(root, plot_h: float, *, label: str) -> None:
    for pct in (0, 25, 50, 75, 100):
        y = TOP + plot_h * (1 - pct / 100)
        ET.SubElement(
            root, "line",
            {"x1": str(LEFT), "x2": str(W - RIGHT), "y1": f"{y:.1f}", "y2": f"{y:.1f}",
             "stroke": GRID},
        )  # fmt: skip
        _text(root, LEFT - 8, y + 4, f"{pct}%", size=11, fill=MUTED, anchor="end")
    _text(root, LEFT, 20, label, size=13, fill=MUTED)


def _y(pct: float | None, plot_h: float) -> float:
    return TOP + plot_h * (1 - (pct or 0) / 100)


def accuracy_chart_svg(*, rounds: Sequence[dict], target: float | None = None) -> str:
    """Accuracy (%) of each round, as a line with labelled points; the target as a dashed line."""
    root = _svg("Accuracy across rounds", W, H)
    root.set("class", "chart accuracy-chart")
    plot_h = H - TOP - BOTTOM
    _axes(root, plot_h, label="Accuracy per round")
    if target is not None:
        y = _y(target, plot_h)
        ET.SubElement(
            root, "line",
            {"x1": str(LEFT), "x2": str(W - RIGHT), "y1": f"{y:.1f}", "y2": f"{y:.1f}",
             "stroke": TARGET, "stroke-dasharray": "6 4", "class": "target"},
        )  # fmt: skip
        _text(root, W - RIGHT, y - 6, f"target {target:g}%", size=11, fill=TARGET, anchor="end")
    if not rounds:
        _text(root, W / 2, H / 2, "No rounds yet", fill=MUTED, anchor="middle")
        return ET.tostring(root, encoding="unicode")
    step = (W - LEFT - RIGHT) / max(len(rounds), 1)
    points = []
    for i, row in enumerate(rounds):
        x = LEFT + step * (i + 0.5)
        y = _y(row["accuracy"], plot_h)
        points.append(f"{x:.1f},{y:.1f}")
        _text(
            root, x, H - BOTTOM + 18, f"Round {row['number']}", size=11, fill=MUTED, anchor="middle"
        )
    ET.SubElement(
        root, "polyline",
        {"points": " ".join(points), "fill": "none", "stroke": LINE, "stroke-width": "2.5"},
    )  # fmt: skip
    for point, row in zip(points, rounds, strict=True):
        x, y = (float(v) for v in point.split(","))
        g = ET.SubElement(root, "g", {"class": "point"})
        ET.SubElement(g, "circle", {"cx": f"{x:.1f}", "cy": f"{y:.1f}", "r": "5", "fill": LINE})
        accuracy = row["accuracy"]
        _text(g, x, y - 10, "—" if accuracy is None else f"{accuracy:g}%", size=12, anchor="middle")
    return ET.tostring(root, encoding="unicode")


def category_bars_svg(*, categories: Sequence[dict], minimums: dict | None = None) -> str:
    """One horizontal bar per category: accuracy (%), with the minimum if one is set."""
    minimums = minimums or {}
    row_h, label_w = 28, 200
    height = TOP + row_h * max(len(categories), 1) + 16
    root = _svg("Accuracy per category", W, height)
    root.set("class", "chart category-chart")
    _text(root, 8, 20, "Accuracy per category", size=13, fill=MUTED)
    span = W - label_w - RIGHT - 60
    for i, row in enumerate(categories):
        y = TOP + i * row_h
        g = ET.SubElement(root, "g", {"class": "bar"})
        name = row["category"]
        _text(g, label_w - 8, y + 15, name if len(name) <= 28 else name[:27] + "…", anchor="end")
        accuracy = row["accuracy"] or 0
        ET.SubElement(
            g, "rect",
            {"x": str(label_w), "y": str(y + 3), "width": f"{span * accuracy / 100:.1f}",
             "height": str(row_h - 10), "fill": LINE, "rx": "3"},
        )  # fmt: skip
        _text(g, label_w + span * accuracy / 100 + 6, y + 15,
              f"{accuracy:g}% ({row['correct']}/{row['total']})", size=11, fill=MUTED)  # fmt: skip
        if name in minimums:
            x = label_w + span * float(minimums[name]) / 100
            ET.SubElement(
                g, "line",
                {"x1": f"{x:.1f}", "x2": f"{x:.1f}", "y1": str(y), "y2": str(y + row_h - 4),
                 "stroke": TARGET, "stroke-width": "2", "class": "minimum"},
            )  # fmt: skip
    return ET.tostring(root, encoding="unicode")


def threshold_sweep_svg(*, sweep: Sequence[dict]) -> str:
    """For each threshold: share routed to humans and accuracy of the auto-routed rest."""
    root = _svg("What-if threshold sweep", W, H)
    root.set("class", "chart sweep-chart")
    plot_h = H - TOP - BOTTOM
    _axes(root, plot_h, label="Escalated to humans (amber) and auto-routed accuracy (green)")
    if not sweep:
        return ET.tostring(root, encoding="unicode")
    step = (W - LEFT - RIGHT) / len(sweep)
    for key, colour, cls in (
        ("escalation_rate", TARGET, "escalation"),
        ("auto_accuracy", AUTO, "auto"),
    ):
        points = []
        for i, row in enumerate(sweep):
            if row[key] is None:
                continue
            points.append(f"{LEFT + step * (i + 0.5):.1f},{_y(row[key], plot_h):.1f}")
        ET.SubElement(
            root, "polyline",
            {"points": " ".join(points), "fill": "none", "stroke": colour, "stroke-width": "2.5",
             "class": cls},
        )  # fmt: skip
    for i, row in enumerate(sweep):
        _text(root, LEFT + step * (i + 0.5), H - BOTTOM + 18, f"{row['threshold']:.2f}",
              size=11, fill=MUTED, anchor="middle")  # fmt: skip
    return ET.tostring(root, encoding="unicode")
