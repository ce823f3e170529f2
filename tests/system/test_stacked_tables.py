"""At 390 px a `.table.stack` hides its header row and shows each cell's `data-label` before
the value; a cell without one reads as a bare value with no name. Every stacked table's body
and footer cells must carry a label (an empty-state row spanning the table needs none)."""

import re
from pathlib import Path

from django.conf import settings

STACKED = re.compile(r'<table[^>]*class="[^"]*\bstack\b[^"]*"[^>]*>(.*?)</table>', re.S)
CELL = re.compile(r"<t[dh](?![a-z])[^>]*>")


def _unlabelled(template: Path) -> list[str]:
    missing = []
    for table in STACKED.finditer(template.read_text()):
        rows = table.group(1).split("</thead>", 1)[-1]
        missing += [
            cell
            for cell in CELL.findall(rows)
            if "data-label" not in cell and "colspan" not in cell
        ]
    return missing


def test_every_stacked_table_cell_names_its_column():
    templates = sorted(Path(settings.BASE_DIR, "templates").rglob("*.html"))
    assert any(STACKED.search(t.read_text()) for t in templates), "stacked tables exist"
    unlabelled = {
        str(t.relative_to(settings.BASE_DIR)): c for t in templates if (c := _unlabelled(t))
    }
    assert unlabelled == {}
