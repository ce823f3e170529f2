"""Section 8 as printed: each published runbook's stored HTML, laid out under the document's
own headings. Its headings stay out of the PDF's bookmarks and under the section's sizes, the
page's "¶" permalinks are not printed, task-list boxes sit on their items' lines, and a SHA-256
breaks rather than leave its box."""

import pytest

from handoff.document import render
from runbooks import services as runbook_services
from tests.handoff.print_fixtures import add_sections, render_pdf

pytestmark = pytest.mark.django_db

BODY = """# Daily routine

Read the accuracy every morning.

## Every morning
- [ ] Open the metrics page first
- [x] Empty the review queue

### Edge cases
#### Who to call
Call the finance lead.
"""
BODY_HEADINGS = {"Daily routine", "Every morning", "Edge cases", "Who to call"}
HASH = "706594d6a6bf31467ffb3c9b56231e5778d5b7c22749e4b0ae15039f71b15961"


@pytest.fixture
def runbooks_only(monkeypatch):
    """The document with the runbooks section alone: what these tests look at."""
    real = [s for s in render.sections() if s.key == "runbooks"]
    monkeypatch.setattr(render, "sections", lambda: real)


@pytest.fixture
def printed(world, runbooks_only):
    runbook = runbook_services.runbook_create(
        engagement=world.engagement_a,
        title="Monitoring",
        slug="monitoring",
        body=BODY,
        by=world.consultant,
    )
    runbook_services.runbook_publish(runbook=runbook, by=world.consultant)
    return render_pdf(world.engagement_a, version=1)


def _outline_titles(outline) -> list[str]:
    titles = []
    for entry in outline:
        titles.extend(_outline_titles(entry) if isinstance(entry, list) else [entry.title])
    return titles


def _largest_sizes(reader) -> dict[str, float]:
    """The largest size each run of text is set in, in points (its matrices' scale)."""
    sizes: dict[str, float] = {}

    def visit(text, cm, tm, font, font_size):
        if text := text.strip():
            size = font_size * abs(tm[3]) * abs(cm[3])
            sizes[text] = max(size, sizes.get(text, 0.0))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return sizes


def test_a_runbooks_headings_stay_out_of_the_bookmarks(printed):
    titles = _outline_titles(printed.reader.outline)
    assert "Runbooks" in titles
    assert "Monitoring" in titles  # the runbook itself is a bookmark
    assert not BODY_HEADINGS & {title.rstrip("¶") for title in titles}


def test_a_runbooks_headings_are_smaller_than_the_sections(printed):
    sizes = _largest_sizes(printed.reader)
    runbook_title = sizes["Monitoring"]
    assert sizes["Runbooks"] > runbook_title
    for heading in BODY_HEADINGS:
        found = [size for text, size in sizes.items() if text.startswith(heading)]
        assert found and max(found) < runbook_title, (heading, found, runbook_title)


def test_the_pages_permalinks_are_not_printed(printed):
    assert any("Daily routine" in text for text in printed.texts)
    assert not any("¶" in text for text in printed.texts)


def test_a_task_box_sits_on_its_items_line(printed):
    lines = [" ".join(line.split()) for text in printed.texts for line in text.splitlines()]
    assert "☐ Open the metrics page first" in lines
    assert "☑ Empty the review queue" in lines
    # Drawn by the stylesheet: the document's HTML keeps the stored checkboxes.
    assert printed.built.html.count('type="checkbox"') == 2


def test_a_sha256_breaks_rather_than_leave_its_box(world, monkeypatch):
    add_sections(
        monkeypatch,
        (
            "narrow",
            "A narrow column",
            '<p style="width: 40mm">SHA-256 <code class="hash">{{ data.sha }}</code></p>',
            {"sha": HASH},
        ),
    )
    narrow = render.sections()[-1]
    monkeypatch.setattr(render, "sections", lambda: [narrow])
    doc = render_pdf(world.engagement_a, version=1)
    text = doc.texts[-1]
    assert HASH not in text  # not one line running off the column
    assert HASH in "".join(text.split())
