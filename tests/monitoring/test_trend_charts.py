"""The daily accuracy chart: well-formed SVG with its text alternative, the alert floor as a
line, alert episodes as marked spans, gaps for unscored days, and every client text escaped."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from maestro.monitoring.charts import accuracy_chart_svg, accuracy_sparkline_svg, accuracy_summary
from maestro.monitoring.selectors.trend import Counts, DayPoint

NS = {"s": "http://www.w3.org/2000/svg"}
FIRST = date(2026, 3, 1)


def _days(accuracies):
    out = []
    for i, acc in enumerate(accuracies):
        counts = Counts() if acc is None else Counts(volume=100, with_outcome=100, correct=acc)
        out.append(DayPoint(FIRST + timedelta(days=i), counts, acc is not None))
    return out


def _span(start, end, label="Accuracy below a floor: firing"):
    return SimpleNamespace(start=start, end=end, label=label)


def test_chart_parses_and_has_the_floor_line_and_the_episode_marks():
    days = _days([95, 94, None, 88, 87, 93, 96])
    svg = accuracy_chart_svg(
        days=days,
        floor=Decimal("0.9000"),
        episodes=[_span(date(2026, 3, 4), date(2026, 3, 5)), _span(date(2026, 2, 20), FIRST)],
        title="Daily accuracy of Procurement",
        id_prefix="acc-7",
    )
    root = ET.fromstring(svg)

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "acc-7-title acc-7-desc"
    assert root.find("s:title", NS).text == "Daily accuracy of Procurement"
    desc = root.find("s:desc", NS).text
    assert "6 of them scored" in desc and "Alert floor 90.0%: 2 days below it" in desc
    (floor,) = root.findall(".//s:line[@class='floor']", NS)
    assert floor.get("stroke-dasharray") and floor.get("data-floor") == "0.9000"
    episodes = root.findall(".//s:rect[@class='episode']", NS)
    # The second episode started before the range: clipped to its first day.
    assert [(e.get("data-start"), e.get("data-end")) for e in episodes] == [
        ("2026-03-04", "2026-03-05"),
        ("2026-02-20", "2026-03-01"),
    ]
    assert all(e.find("s:title", NS).text.startswith("Accuracy below a floor") for e in episodes)
    # An unscored day breaks the line: two runs, six points, two of them below the floor.
    assert len(root.findall(".//s:polyline[@class='accuracy-line']", NS)) == 2
    points = root.findall(".//s:circle[@class='point']", NS)
    assert len(points) == 6
    assert sum("below the floor" in p.find("s:title", NS).text for p in points) == 2
    # Self-contained: presentation attributes only, no style, no script, no external reference.
    assert (
        "style=" not in svg and "<script" not in svg and "http://" not in svg.replace(NS["s"], "")
    )


def test_chart_without_floor_or_scores_still_parses():
    root = ET.fromstring(accuracy_chart_svg(days=_days([None, None]), title="Empty"))
    assert root.find(".//s:line[@class='floor']", NS) is None
    assert root.find("s:desc", NS).text == "No scored decisions in the last 2 days."


def test_every_client_text_is_escaped():
    hostile = '<script>alert(1)</script> & "quotes"'
    svg = accuracy_chart_svg(days=_days([90]), title=hostile)
    spark = accuracy_sparkline_svg(days=_days([90, 91]), label=hostile)
    for text in (svg, spark):
        assert "<script>" not in text
        ET.fromstring(text)  # still well-formed
    assert ET.fromstring(spark).find("s:title", NS).text.startswith(hostile)


def test_sparkline_is_word_sized_and_names_the_latest_figure():
    root = ET.fromstring(accuracy_sparkline_svg(days=_days([80, None, 90]), label="invoice"))
    assert (root.get("width"), root.get("height")) == ("120", "28")
    assert root.find("s:title", NS).text == "invoice: daily accuracy, latest 90.0%"


def test_summary_names_the_latest_lowest_and_highest_days():
    text = accuracy_summary(_days([95, 70, 99]))
    assert "latest 99.0% on 3 Mar, lowest 70.0% on 2 Mar, highest 99.0% on 3 Mar" in text
