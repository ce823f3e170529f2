"""The dry run as a small self-contained SVG: one stacked bar (auto vs human) and one bar per
escalation reason. Pure; ElementTree escapes every label (maestro.lib.svg)."""

from maestro.lib.svg import (
    AMBER,
    BLUE,
    GREEN,
    MUTED,
    svg_rect,
    svg_root,
    svg_string,
    svg_text,
    truncate,
)

AUTO, HUMAN, REASON = GREEN, AMBER, BLUE
W, LABEL_W, BAR_W, ROW_H = 640, 210, 290, 26  # room right of the bar for "1000 auto · 1000 human"


def dry_run_svg(*, cases: int, auto: int, human: int, reasons: list[dict]) -> str:
    height = 84 + ROW_H * len(reasons)
    root = svg_root(
        title=f"Dry run: {human} of {cases} cases to a human, {auto} auto",
        width=W,
        height=height,
        cls="chart dry-run-chart",
    )
    svg_text(root, 8, 18, "Where the cases go", size=13, fill=MUTED)
    auto_w = BAR_W * auto / cases if cases else 0
    svg_text(root, LABEL_W - 8, 45, "All cases", anchor="end")
    svg_rect(root, LABEL_W, 30, auto_w, 20, fill=AUTO, rx="3")
    svg_rect(root, LABEL_W + auto_w, 30, BAR_W - auto_w if cases else 0, 20, fill=HUMAN, rx="3")
    svg_text(root, LABEL_W + BAR_W + 8, 45, f"{auto} auto · {human} human", size=11, fill=MUTED)
    svg_text(root, 8, 74, "Why they go to a human (a case can have several reasons)", size=11,
             fill=MUTED)  # fmt: skip
    for i, row in enumerate(reasons):
        y = 84 + i * ROW_H
        svg_text(root, LABEL_W - 8, y + 15, truncate(str(row["label"]), 30), anchor="end")
        width = BAR_W * row["count"] / cases if cases else 0
        svg_rect(root, LABEL_W, y + 3, width, ROW_H - 10, fill=REASON, rx="3")
        svg_text(root, LABEL_W + width + 6, y + 15, f"{row['count']} ({row['share']:g}%)", size=11,
                 fill=MUTED)  # fmt: skip
    return svg_string(root)
