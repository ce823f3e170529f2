"""The readiness trend as self-contained SVG: the share of a plan's competencies at target after
each recorded check-in, with the 100% goal. A pure function of already-read points (no ORM),
built with ElementTree, which escapes every text (maestro.lib.svg); every look is a
presentation attribute, so the handoff PDF can embed the same picture without the page's CSS.

Colour is never the only cue: the goal is dashed and labelled, each point carries a <title>
with its date and figure, and the <desc> says the trend in a sentence."""

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from maestro.lib.svg import BLUE as LINE
from maestro.lib.svg import (
    GREEN,
    GRID,
    MUTED,
    num,
    svg_line,
    svg_root,
    svg_string,
    svg_text,
)

W, H, LEFT, RIGHT, TOP, BOTTOM = 480, 200, 44, 16, 28, 34


class Point(Protocol):
    """A recorded check-in's readiness, dated in the client's time zone."""

    @property
    def day(self) -> date: ...

    @property
    def share(self) -> Decimal: ...


def _pct(share: Decimal) -> str:
    return f"{share * 100:.0f}%"


def readiness_summary(points: Sequence[Point]) -> str:
    """One sentence with the chart's numbers, for its <desc> and the page."""
    if not points:
        return "No check-in has been recorded yet, so readiness has no trend."
    first, last = points[0], points[-1]
    if len(points) == 1:
        return f"One recorded check-in: readiness {_pct(last.share)} on {last.day:%-d %b %Y}."
    return (
        f"Readiness across {len(points)} recorded check-ins: {_pct(first.share)} on "
        f"{first.day:%-d %b} to {_pct(last.share)} on {last.day:%-d %b %Y}."
    )


def readiness_trend_svg(
    *, points: Sequence[Point], title: str = "Readiness trend", id_prefix: str = "readiness"
) -> str:
    """Readiness (%) per recorded check-in as a line with a point each, 0–100% on the y axis
    and the 100% goal dashed. `id_prefix` keeps ids unique when a page shows several."""
    root = svg_root(
        title=title,
        title_id=f"{id_prefix}-title",
        desc=readiness_summary(points),
        desc_id=f"{id_prefix}-desc",
        width=W,
        height=H,
        cls="chart readiness-chart",
    )
    plot_h = H - TOP - BOTTOM

    def y_of(pct: float) -> float:
        return TOP + plot_h * (1 - pct / 100)

    svg_text(root, 8, 16, "Competencies at target, per check-in", size=12, fill=MUTED)
    for tick in (0, 25, 50, 75, 100):
        y = y_of(tick)
        svg_line(root, LEFT, y, W - RIGHT, y, stroke=GRID)
        svg_text(root, LEFT - 6, y + 4, f"{tick}%", size=10, fill=MUTED, anchor="end")
    svg_line(root, LEFT, y_of(100), W - RIGHT, y_of(100), stroke=GREEN, stroke_width="2",
             stroke_dasharray="6 4", cls="goal")  # fmt: skip
    svg_text(root, W - RIGHT - 4, y_of(100) - 5, "goal 100%", size=10, fill=GREEN, anchor="end",
             cls="goal-label")  # fmt: skip
    if not points:
        return svg_string(root)
    slot = (W - LEFT - RIGHT) / len(points)

    def x_of(i: int) -> float:
        return LEFT + slot * (i + 0.5)

    coords = [(x_of(i), y_of(float(p.share) * 100)) for i, p in enumerate(points)]
    if len(coords) > 1:
        ET.SubElement(root, "polyline", {
            "points": " ".join(f"{num(x)},{num(y)}" for x, y in coords),
            "fill": "none", "stroke": LINE, "stroke-width": "2.5",
            "stroke-linejoin": "round", "class": "readiness-line",
        })  # fmt: skip
    label_every = max(1, round(len(points) / 6))
    for i, (point, (x, y)) in enumerate(zip(points, coords, strict=True)):
        if i % label_every == 0 or i == len(points) - 1:
            svg_text(root, x, H - BOTTOM + 16, f"{point.day:%-d %b}", size=10, fill=MUTED,
                     anchor="middle", cls="date")  # fmt: skip
        dot = ET.SubElement(root, "circle", {
            "cx": num(x), "cy": num(y), "r": "4", "fill": LINE, "stroke": "#ffffff",
            "stroke-width": "1", "class": "point", "data-day": point.day.isoformat(),
            "data-share": f"{point.share:.4f}",
        })  # fmt: skip
        ET.SubElement(dot, "title").text = f"{point.day:%a %-d %b %Y}: {_pct(point.share)}"
    return svg_string(root)
