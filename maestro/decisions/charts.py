"""Deployment charts as self-contained SVG: daily decision volume, auto vs human. A pure function
of already-counted days (no ORM), no scripts or external URLs; built with ElementTree, which
escapes every text. Modelled on maestro/training/charts.py.

Colour is never the only cue: human-routed segments are also hatched, the legend names both,
each bar carries a <title> with its numbers and the escalation rate is printed under each day.
"""

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

SVG_NS = "http://www.w3.org/2000/svg"
INK, MUTED, GRID, AUTO, HUMAN = "#0f172a", "#475569", "#e2e8f0", "#059669", "#b45309"
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
W, H, LEFT, RIGHT, TOP, BOTTOM = 640, 290, 44, 12, 44, 58


class Day(Protocol):
    """What the chart reads from a day (selectors.DailyVolume)."""

    @property
    def day(self) -> date: ...

    @property
    def auto(self) -> int: ...

    @property
    def human(self) -> int: ...


def _text(parent, x, y, text, *, size=11, fill=INK, anchor="middle", cls=""):
    attrs = {"x": f"{x:.1f}", "y": f"{y:.1f}", "font-size": str(size), "fill": fill}
    attrs["text-anchor"] = anchor
    if cls:
        attrs["class"] = cls
    el = ET.SubElement(parent, "text", attrs)
    el.text = text
    return el


def _nice_max(value: int) -> tuple[int, int]:
    """(axis top, tick step) for counts up to `value`: steps of 1, 2 or 5 × 10^k, 2–5 ticks."""
    if value <= 0:
        return 4, 1
    magnitude = 10 ** max(int(math.log10(value)), 0)
    for factor in (0.1, 0.2, 0.5, 1, 2, 5, 10):
        step = max(int(magnitude * factor), 1)
        if math.ceil(value / step) <= 5:
            return step * math.ceil(value / step), step
    return value, value  # pragma: no cover - the loop always finds a step


def _rate(part: int, whole: int) -> Decimal | None:
    return None if not whole else Decimal(part) / Decimal(whole)


def _pct(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def volume_summary(days: Sequence[Day]) -> str:
    """One sentence with the chart's numbers, for its <desc> and for the page."""
    auto = sum(d.auto for d in days)
    human = sum(d.human for d in days)
    if not auto + human:
        return f"No decisions in the last {len(days)} days."
    busiest = max(days, key=lambda d: (d.auto + d.human, d.day))
    rate = _rate(human, auto + human)
    return (
        f"{auto + human} decisions in the last {len(days)} days: {auto} auto-routed, {human} sent "
        f"to a human ({rate * 100 if rate is not None else 0:.1f}% escalated). Busiest day "
        f"{busiest.day:%-d %b} with {busiest.auto + busiest.human}."
    )


def decision_volume_svg(*, days: Sequence[Day]) -> str:
    """Stacked bars per day (auto below, human above, hatched), the total over each bar and the
    day's escalation rate under its date."""
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {W} {H}",
            "width": str(W),
            "height": str(H),
            "role": "img",
            "aria-labelledby": "volume-chart-title volume-chart-desc",
            "font-family": FONT,
            "class": "chart volume-chart",
        },
    )
    ET.SubElement(
        root, "title", {"id": "volume-chart-title"}
    ).text = f"Decisions per day, last {len(days)} days, auto-routed and sent to a human"
    ET.SubElement(root, "desc", {"id": "volume-chart-desc"}).text = volume_summary(days)
    defs = ET.SubElement(root, "defs")
    pattern = ET.SubElement(
        defs, "pattern",
        {"id": "volume-hatch", "width": "6", "height": "6", "patternUnits": "userSpaceOnUse",
         "patternTransform": "rotate(45)"},
    )  # fmt: skip
    ET.SubElement(pattern, "rect", {"width": "6", "height": "6", "fill": HUMAN})
    ET.SubElement(pattern, "line", {"x1": "0", "y1": "0", "x2": "0", "y2": "6",
                                    "stroke": "#fde68a", "stroke-width": "2"})  # fmt: skip

    # Legend (top right) and y-axis caption (top left).
    _text(root, 8, 18, "Decisions per day", size=13, fill=MUTED, anchor="start")
    legend = ET.SubElement(root, "g", {"class": "legend"})
    for x, fill, label in ((W - 290, AUTO, "Auto-routed"), (W - 170, "url(#volume-hatch)",
                                                            "Sent to a human")):  # fmt: skip
        ET.SubElement(legend, "rect", {"x": str(x), "y": "8", "width": "14", "height": "14",
                                       "fill": fill, "rx": "2"})  # fmt: skip
        _text(legend, x + 20, 19, label, size=12, anchor="start")

    plot_h = H - TOP - BOTTOM
    top, step = _nice_max(max((d.auto + d.human for d in days), default=0))
    for tick in range(0, top + 1, step):
        y = TOP + plot_h * (1 - tick / top)
        ET.SubElement(
            root, "line",
            {"x1": str(LEFT), "x2": str(W - RIGHT), "y1": f"{y:.1f}", "y2": f"{y:.1f}",
             "stroke": GRID},
        )  # fmt: skip
        _text(root, LEFT - 6, y + 4, str(tick), fill=MUTED, anchor="end")
    _text(root, LEFT - 6, H - BOTTOM + 34, "escal.", size=10, fill=MUTED, anchor="end")
    if not days:
        return ET.tostring(root, encoding="unicode")

    slot = (W - LEFT - RIGHT) / len(days)
    bar_w = min(slot * 0.7, 36)
    for i, d in enumerate(days):
        total = d.auto + d.human
        cx = LEFT + slot * (i + 0.5)
        g = ET.SubElement(root, "g", {"class": "day", "data-day": d.day.isoformat()})
        rate = _rate(d.human, total)
        ET.SubElement(g, "title").text = (
            f"{d.day:%a %-d %b}: {total} decisions, {d.auto} auto-routed, {d.human} sent to a "
            f"human ({_pct(rate)} escalated)"
        )
        y = TOP + plot_h
        for count, fill, cls in ((d.auto, AUTO, "auto"), (d.human, "url(#volume-hatch)", "human")):
            h = plot_h * count / top
            y -= h
            if count:
                ET.SubElement(
                    g, "rect",
                    {"x": f"{cx - bar_w / 2:.1f}", "y": f"{y:.1f}", "width": f"{bar_w:.1f}",
                     "height": f"{h:.1f}", "fill": fill, "class": cls, "data-count": str(count)},
                )  # fmt: skip
        if total:
            _text(g, cx, y - 4, str(total), size=10, cls="total")
        _text(g, cx, H - BOTTOM + 16, f"{d.day:%-d %b}", size=10, fill=MUTED, cls="date")
        _text(g, cx, H - BOTTOM + 34, _pct(rate), size=10, fill=MUTED, cls="rate")
    return ET.tostring(root, encoding="unicode")
