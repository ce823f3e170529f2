"""Self-contained SVG built with ElementTree, which escapes every text a client typed: the one
palette, font and element helpers the chart and diagram modules share. No domain, no ORM.

Pages forbid `style` attributes (CSP), so every look is a presentation attribute (`fill`,
`stroke`, `font-size`...); the same pictures serve the pages and the PDFs (WeasyPrint renders
inline SVG)."""

import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
# The handoff PDF ships IBM Plex Sans and DejaVu Sans (static/fonts/); pages fall back as before.
FONT = "IBM Plex Sans, DejaVu Sans, Arial, Helvetica, sans-serif"

# The palette: ink and muted text, grid lines, and one colour per meaning.
INK = "#0f172a"
MUTED = "#475569"
GRID = "#e2e8f0"
BLUE = "#2563eb"  # a measured series (accuracy, reasons)
AMBER = "#b45309"  # targets, humans, informal steps
GREEN = "#059669"  # auto-routed
VIOLET = "#6d28d9"  # decision points
SLATE = "#94a3b8"  # links between things


def num(value: float) -> str:
    """A coordinate or length, one decimal."""
    return f"{value:.1f}"


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, the last one an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def svg_root(
    *,
    title: str,
    width: float,
    height: float,
    cls: str = "",
    title_id: str = "",
    desc: str = "",
    desc_id: str = "",
) -> ET.Element:
    """The <svg> element with its <title> (and <desc>); `aria-labelledby` names them when
    they have ids."""
    attrs = {
        "xmlns": SVG_NS,
        "viewBox": f"0 0 {width} {height}",
        "width": str(width),
        "height": str(height),
        "role": "img",
    }
    if title_id:
        attrs["aria-labelledby"] = " ".join(i for i in (title_id, desc_id) if i)
    attrs["font-family"] = FONT
    if cls:
        attrs["class"] = cls
    root = ET.Element("svg", attrs)
    ET.SubElement(root, "title", {"id": title_id} if title_id else {}).text = title
    if desc:
        ET.SubElement(root, "desc", {"id": desc_id} if desc_id else {}).text = desc
    return root


def svg_text(
    parent: ET.Element,
    x: float,
    y: float,
    text: str,
    *,
    size: int = 12,
    fill: str = INK,
    anchor: str = "start",
    weight: str = "",
    cls: str = "",
) -> ET.Element:
    attrs = {"x": num(x), "y": num(y), "font-size": str(size)}
    if weight:
        attrs["font-weight"] = weight
    attrs |= {"fill": fill, "text-anchor": anchor}
    if cls:
        attrs["class"] = cls
    el = ET.SubElement(parent, "text", attrs)
    el.text = text
    return el


def svg_line(
    parent: ET.Element, x1: float, y1: float, x2: float, y2: float, *, stroke: str, **attrs: str
) -> ET.Element:
    """A line; extra presentation attributes by keyword, `_` for `-` (stroke_width=...)."""
    base = {"x1": num(x1), "x2": num(x2), "y1": num(y1), "y2": num(y2), "stroke": stroke}
    return ET.SubElement(parent, "line", base | _attrs(attrs))


def svg_rect(
    parent: ET.Element, x: float, y: float, width: float, height: float, *, fill: str, **attrs: str
) -> ET.Element:
    """A rectangle (a negative width draws nothing); extra attributes as for `svg_line`."""
    base = {
        "x": num(x),
        "y": num(y),
        "width": num(max(width, 0)),
        "height": num(height),
        "fill": fill,
    }
    return ET.SubElement(parent, "rect", base | _attrs(attrs))


def svg_string(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode")


def _attrs(attrs: dict[str, str]) -> dict[str, str]:
    return {("class" if k == "cls" else k.replace("_", "-")): v for k, v in attrs.items()}
