"""The dry run as a small self-contained SVG: one stacked bar (auto vs human) and one bar per
escalation reason. Pure; ElementTree escapes every label."""

import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
INK, MUTED, AUTO, HUMAN, REASON = "#0f172a", "#475569", "#059669", "#b45309", "#2563eb"
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
W, LABEL_W, BAR_W, ROW_H = 640, 210, 290, 26  # room right of the bar for "1000 auto · 1000 human"


def _text(parent, x: float, y: float, text: str, *, size=12, fill=INK, anchor="start") -> None:
    el = ET.SubElement(
        parent,
        "text",
        {"x": f"{x:.1f}", "y": f"{y:.1f}", "font-size": str(size), "fill": fill,
         "text-anchor": anchor},
    )  # fmt: skip
    el.text = text


def _rect(parent, x: float, y: float, width: float, height: float, fill: str) -> None:
    ET.SubElement(
        parent,
        "rect",
        {"x": f"{x:.1f}", "y": f"{y:.1f}", "width": f"{max(width, 0):.1f}",
         "height": f"{height:.1f}", "fill": fill, "rx": "3"},
    )  # fmt: skip


def dry_run_svg(*, cases: int, auto: int, human: int, reasons: list[dict]) -> str:
    height = 84 + ROW_H * len(reasons)
    title = f"Dry run: {human} of {cases} cases to a human, {auto} auto"
    root = ET.Element(
        "svg",
        {"xmlns": SVG_NS, "viewBox": f"0 0 {W} {height}", "width": str(W),
         "height": str(height), "role": "img", "font-family": FONT,
         "class": "chart dry-run-chart"},
    )  # fmt: skip
    ET.SubElement(root, "title").text = title
    _text(root, 8, 18, "Where the cases go", size=13, fill=MUTED)
    auto_w = BAR_W * auto / cases if cases else 0
    _text(root, LABEL_W - 8, 45, "All cases", anchor="end")
    _rect(root, LABEL_W, 30, auto_w, 20, AUTO)
    _rect(root, LABEL_W + auto_w, 30, BAR_W - auto_w if cases else 0, 20, HUMAN)
    _text(root, LABEL_W + BAR_W + 8, 45, f"{auto} auto · {human} human", size=11, fill=MUTED)
    _text(root, 8, 74, "Why they go to a human (a case can have several reasons)", size=11,
          fill=MUTED)  # fmt: skip
    for i, row in enumerate(reasons):
        y = 84 + i * ROW_H
        label = str(row["label"])
        _text(root, LABEL_W - 8, y + 15, label if len(label) <= 30 else label[:29] + "…",
              anchor="end")  # fmt: skip
        width = BAR_W * row["count"] / cases if cases else 0
        _rect(root, LABEL_W, y + 3, width, ROW_H - 10, REASON)
        _text(root, LABEL_W + width + 6, y + 15, f"{row['count']} ({row['share']:g}%)", size=11,
              fill=MUTED)  # fmt: skip
    return ET.tostring(root, encoding="unicode")
