"""Deployment charts as self-contained SVG: daily decision volume, auto vs human. A pure function
of already-counted days (no ORM), no scripts or external URLs; built with ElementTree, which
escapes every text (maestro.lib.svg).

Colour is never the only cue: human-routed segments are also hatched, the legend names both,
each bar carries a <title> with its numbers and the escalation rate is printed under each day.
"""

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from maestro.lib.svg import AMBER, GREEN, GRID, MUTED, svg_line, svg_rect, svg_root, svg_string
from maestro.lib.svg import svg_text as _svg_text

AUTO, HUMAN = GREEN, AMBER
W, H, LEFT, RIGHT, TOP, BOTTOM = 640, 290, 44, 12, 44, 58


class Day(Protocol):
    """What the chart reads from a day (selectors.DailyVolume)."""

    @property
    def day(self) -> date: ...

    @property
    def auto(self) -> int: ...

    @property
    def human(self) -> int: ...


def _text(parent, x, y, text, *, size=11, anchor="middle", **kwargs):
    """This chart's labels: small and centred unless told otherwise."""
    return _svg_text(parent, x, y, text, size=size, anchor=anchor, **kwargs)


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
    root = svg_root(
        title=f"Decisions per day, last {len(days)} days, auto-routed and sent to a human",
        title_id="volume-chart-title",
        desc=volume_summary(days),
        desc_id="volume-chart-desc",
        width=W,
        height=H,
        cls="chart volume-chart",
    )
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
        svg_rect(legend, x, 8, 14, 14, fill=fill, rx="2")
        _text(legend, x + 20, 19, label, size=12, anchor="start")

    plot_h = H - TOP - BOTTOM
    top, step = _nice_max(max((d.auto + d.human for d in days), default=0))
    for tick in range(0, top + 1, step):
        y = TOP + plot_h * (1 - tick / top)
        svg_line(root, LEFT, y, W - RIGHT, y, stroke=GRID)
        _text(root, LEFT - 6, y + 4, str(tick), fill=MUTED, anchor="end")
    _text(root, LEFT - 6, H - BOTTOM + 34, "escal.", size=10, fill=MUTED, anchor="end")
    if not days:
        return svg_string(root)

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
                svg_rect(g, cx - bar_w / 2, y, bar_w, h, fill=fill, cls=cls, data_count=str(count))
        if total:
            _text(g, cx, y - 4, str(total), size=10, cls="total")
        _text(g, cx, H - BOTTOM + 16, f"{d.day:%-d %b}", size=10, fill=MUTED, cls="date")
        _text(g, cx, H - BOTTOM + 34, _pct(rate), size=10, fill=MUTED, cls="rate")
    return svg_string(root)
