"""Monitoring charts as self-contained SVG: a process's daily accuracy with its alert floor and
its alert episodes, and the per-category sparklines. Pure functions of already-summed days (no
ORM), built with ElementTree, which escapes every text (maestro.lib.svg); every look is a
presentation attribute, so the handoff PDF can embed the same picture without the page's CSS.

Colour is never the only cue: the floor is dashed and labelled, an episode's span is hatched and
carries a <title>, and days without a score are gaps in the line, not zeros.
"""

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from maestro.lib.svg import (
    AMBER,
    BLUE,
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

LINE, FLOOR = BLUE, AMBER
EPISODE, EPISODE_EDGE = "#fee2e2", "#b91c1c"
W, H, LEFT, RIGHT, TOP, BOTTOM = 640, 280, 48, 16, 40, 40
SPARK_W, SPARK_H = 120, 28


class Day(Protocol):
    """What the charts read from a day (selectors.trend.DayPoint)."""

    @property
    def day(self) -> date: ...

    @property
    def accuracy(self) -> Decimal | None: ...

    @property
    def with_outcome(self) -> int: ...

    @property
    def volume(self) -> int: ...


class Span(Protocol):
    """An alert episode's days (selectors.trend.EpisodeSpan)."""

    @property
    def start(self) -> date: ...

    @property
    def end(self) -> date: ...

    @property
    def label(self) -> str: ...


def _pct(share: Decimal | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def accuracy_summary(days: Sequence[Day], *, floor: Decimal | None = None, episodes=()) -> str:
    """One sentence with the chart's numbers, for its <desc> and the page."""
    scored = [d for d in days if d.accuracy is not None]
    if not scored:
        return f"No scored decisions in the last {len(days)} days."
    low = min(scored, key=lambda d: (d.accuracy, d.day))
    high = max(scored, key=lambda d: (d.accuracy, d.day))
    latest = scored[-1]
    text = (
        f"Daily accuracy over the last {len(days)} days, {len(scored)} of them scored: "
        f"latest {_pct(latest.accuracy)} on {latest.day:%-d %b}, lowest {_pct(low.accuracy)} "
        f"on {low.day:%-d %b}, highest {_pct(high.accuracy)} on {high.day:%-d %b}."
    )
    if floor is not None:
        below = sum(1 for d in scored if d.accuracy is not None and d.accuracy < floor)
        text += f" Alert floor {_pct(floor)}: {below} day{'s' if below != 1 else ''} below it."
    if episodes:
        text += f" {len(episodes)} alert episode{'s' if len(episodes) != 1 else ''} marked."
    return text


def _y_range(days: Sequence[Day], floor: Decimal | None) -> tuple[int, int]:
    """(bottom, top) of the y axis in percent: 100 at the top, the bottom a multiple of 10 at
    least 5 points under the lowest value or floor, so a 2-point drop is visible."""
    values = [float(d.accuracy) * 100 for d in days if d.accuracy is not None]
    if floor is not None:
        values.append(float(floor) * 100)
    low = min(values, default=80.0)
    bottom = max(int((low - 5) // 10 * 10), 0)
    return bottom, 100


def accuracy_chart_svg(
    *,
    days: Sequence[Day],
    floor: Decimal | None = None,
    episodes: Sequence[Span] = (),
    title: str = "Daily accuracy",
    id_prefix: str = "accuracy-chart",
) -> str:
    """Daily accuracy (%) as a line with a point per scored day; the alert floor as a dashed
    line; each alert episode as a hatched band from its first day to its last (or today).
    `id_prefix` keeps ids unique when a page shows several charts."""
    summary = accuracy_summary(days, floor=floor, episodes=episodes)
    root = svg_root(
        title=title,
        title_id=f"{id_prefix}-title",
        desc=summary,
        desc_id=f"{id_prefix}-desc",
        width=W,
        height=H,
        cls="chart accuracy-daily-chart",
    )
    defs = ET.SubElement(root, "defs")
    pattern = ET.SubElement(
        defs, "pattern",
        {"id": f"{id_prefix}-hatch", "width": "8", "height": "8",
         "patternUnits": "userSpaceOnUse", "patternTransform": "rotate(45)"},
    )  # fmt: skip
    ET.SubElement(pattern, "rect", {"width": "8", "height": "8", "fill": EPISODE})
    ET.SubElement(pattern, "line", {"x1": "0", "y1": "0", "x2": "0", "y2": "8",
                                    "stroke": "#fca5a5", "stroke-width": "3"})  # fmt: skip

    plot_h = H - TOP - BOTTOM
    bottom, top = _y_range(days, floor)

    def y_of(pct: float) -> float:
        return TOP + plot_h * (1 - (pct - bottom) / (top - bottom))

    svg_text(root, 8, 18, "Accuracy per day", size=13, fill=MUTED)
    # Legend: the line, the floor, an episode.
    legend = ET.SubElement(root, "g", {"class": "legend"})
    lx = W - 330
    svg_line(legend, lx, 14, lx + 18, 14, stroke=LINE, stroke_width="2.5")
    svg_text(legend, lx + 24, 18, "Accuracy", size=11)
    svg_line(legend, lx + 92, 14, lx + 110, 14, stroke=FLOOR, stroke_dasharray="5 3",
             stroke_width="2")  # fmt: skip
    svg_text(legend, lx + 116, 18, "Alert floor", size=11)
    svg_rect(legend, lx + 194, 7, 14, 14, fill=f"url(#{id_prefix}-hatch)", stroke=EPISODE_EDGE,
             stroke_width="1")  # fmt: skip
    svg_text(legend, lx + 214, 18, "Alert episode", size=11)

    for tick in range(bottom, top + 1, 5 if top - bottom <= 20 else 10):
        y = y_of(tick)
        svg_line(root, LEFT, y, W - RIGHT, y, stroke=GRID)
        svg_text(root, LEFT - 6, y + 4, f"{tick}%", size=10, fill=MUTED, anchor="end")
    if not days:
        return svg_string(root)

    slot = (W - LEFT - RIGHT) / len(days)
    index = {d.day: i for i, d in enumerate(days)}

    def x_of(i: float) -> float:
        return LEFT + slot * (i + 0.5)

    for span in episodes:
        first, last = index.get(span.start), index.get(span.end)
        if first is None and span.start < days[0].day:
            first = 0
        if last is None and span.end > days[-1].day:
            last = len(days) - 1
        if first is None or last is None or last < first:
            continue
        band = svg_rect(
            root, LEFT + slot * first, TOP, slot * (last - first + 1), plot_h,
            fill=f"url(#{id_prefix}-hatch)", cls="episode", opacity="0.8",
            data_start=span.start.isoformat(), data_end=span.end.isoformat(),
        )  # fmt: skip
        ET.SubElement(
            band, "title"
        ).text = f"{span.label}, {span.start:%-d %b} to {span.end:%-d %b}"
        svg_line(root, LEFT + slot * first, TOP, LEFT + slot * first, TOP + plot_h,
                 stroke=EPISODE_EDGE, stroke_width="1.5", cls="episode-start")  # fmt: skip

    if floor is not None:
        y = y_of(float(floor) * 100)
        svg_line(root, LEFT, y, W - RIGHT, y, stroke=FLOOR, stroke_width="2",
                 stroke_dasharray="6 4", cls="floor", data_floor=str(floor))  # fmt: skip
        svg_text(root, LEFT + 4, y - 5, f"floor {_pct(floor)}", size=11, fill=FLOOR,
                 cls="floor-label")  # fmt: skip

    # The line, broken where a day has no score.
    runs: list[list[tuple[float, float]]] = [[]]
    for i, d in enumerate(days):
        if d.accuracy is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((x_of(i), y_of(float(d.accuracy) * 100)))
    for run in runs:
        if len(run) > 1:
            ET.SubElement(root, "polyline", {
                "points": " ".join(f"{num(x)},{num(y)}" for x, y in run),
                "fill": "none", "stroke": LINE, "stroke-width": "2.5",
                "stroke-linejoin": "round", "class": "accuracy-line",
            })  # fmt: skip
    radius = "3.5" if len(days) <= 31 else "2"
    label_every = max(1, round(len(days) / 7))
    for i, d in enumerate(days):
        if i % label_every == 0 or i == len(days) - 1:
            svg_text(root, x_of(i), H - BOTTOM + 16, f"{d.day:%-d %b}", size=10, fill=MUTED,
                     anchor="middle", cls="date")  # fmt: skip
        if d.accuracy is None:
            continue
        x, y = x_of(i), y_of(float(d.accuracy) * 100)
        below = floor is not None and d.accuracy < floor
        dot = ET.SubElement(root, "circle", {
            "cx": num(x), "cy": num(y), "r": radius,
            "fill": EPISODE_EDGE if below else LINE, "stroke": "#ffffff", "stroke-width": "1",
            "class": "point", "data-day": d.day.isoformat(),
        })  # fmt: skip
        ET.SubElement(dot, "title").text = (
            f"{d.day:%a %-d %b}: {_pct(d.accuracy)} correct, {d.with_outcome} with an outcome "
            f"of {d.volume} decisions" + (" (below the floor)" if below else "")
        )
    return svg_string(root)


def accuracy_sparkline_svg(*, days: Sequence[Day], label: str) -> str:
    """A word-sized line of daily accuracy for a table cell; its <title> is `label` plus the
    latest figure (the table beside it holds the numbers)."""
    scored = [(i, d) for i, d in enumerate(days) if d.accuracy is not None]
    latest = _pct(scored[-1][1].accuracy) if scored else "no scores"
    root = svg_root(
        title=truncate(f"{label}: daily accuracy, latest {latest}", 200),
        width=SPARK_W,
        height=SPARK_H,
        cls="sparkline",
    )
    if not scored:
        svg_line(root, 2, SPARK_H / 2, SPARK_W - 2, SPARK_H / 2, stroke=GRID)
        return svg_string(root)
    values = [float(d.accuracy) for _i, d in scored if d.accuracy is not None]
    low, high = min(values), max(values)
    spread = max(high - low, 0.02)
    step = (SPARK_W - 6) / max(len(days) - 1, 1)

    def point(i: int, value: float) -> tuple[float, float]:
        return 3 + step * i, SPARK_H - 4 - (SPARK_H - 8) * (value - low) / spread

    pts = [point(i, float(d.accuracy)) for i, d in scored if d.accuracy is not None]
    if len(pts) > 1:
        ET.SubElement(root, "polyline", {
            "points": " ".join(f"{num(x)},{num(y)}" for x, y in pts),
            "fill": "none", "stroke": LINE, "stroke-width": "1.5", "stroke-linejoin": "round",
        })  # fmt: skip
    x, y = pts[-1]
    ET.SubElement(root, "circle", {"cx": num(x), "cy": num(y), "r": "2.5", "fill": LINE})
    return svg_string(root)
