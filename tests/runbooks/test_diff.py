"""The diff between two versions: escaped, marked word by word, no difflib anchors, and the
reader page's task lists as read-only checkboxes."""

import pytest

from runbooks import services
from runbooks.rendering import diff_table
from tests.runbooks.test_rendering import elements
from tests.runbooks.test_views import login, page

pytestmark = pytest.mark.django_db

OLD = "# Monitoring\n\n- [ ] Check the override rate every morning\n- [ ] Read alerts\n"
NEW = "# Monitoring\n\n- [ ] Verify the override rate every morning\n- [ ] Read alerts\n"


def test_changed_words_are_marked_not_whole_lines_nor_half_words():
    html = diff_table(OLD, NEW, old_label="version 1", new_label="version 2")
    assert [e.text for e in elements(html, "tr.replace del")] == ["Check"]
    assert [e.text for e in elements(html, "tr.replace ins")] == ["Verify"]
    assert "difflib" not in html and 'href="#' not in html and "nowrap" not in html
    assert "&nbsp;" not in html  # wrapping is left to the browser, at word boundaries


def test_hostile_lines_and_labels_are_escaped():
    hostile = '<script>alert(1)</script> <img src=x onerror=alert(2)> "quoted" & more'
    html = diff_table(
        OLD, OLD + hostile + "\n", old_label="<b>v1</b>", new_label='v2" onmouseover="x'
    )
    tags = {e.tag.split("}")[-1] for e in elements(html)}
    assert tags <= {"table", "caption", "colgroup", "col", "thead", "tbody", "tr", "th", "td",
                    "del", "ins"}  # fmt: skip
    assert not [a for e in elements(html) for a in e.attrib if a.lower().startswith("on")]
    assert elements(html, "tr.insert ins")[0].text == hostile


def test_same_text_has_no_table():
    assert diff_table(OLD, OLD, old_label="a", new_label="b") == ""


def test_lines_added_removed_and_changed_are_numbered_on_their_side():
    html = diff_table("a\nb\nc\n", "a\nB\nc\nd\n", old_label="1", new_label="2")
    rows = elements(html, "tbody tr:not(.hunk)")
    kinds = [r.get("class") for r in rows]
    assert kinds == ["equal", "replace", "equal", "insert"]
    last = elements(html, "tr.insert td")
    assert [td.text for td in last] == [None, None, "4", None]


def test_diff_page_shows_the_word_level_table(client, world, runbook):
    services.runbook_save(
        runbook=runbook,
        title="Monitoring",
        body=runbook.versions.get(number=1).body.replace("Read", "Study"),
        message="<i>Wording</i>",
        base_version=1,
        by=world.consultant,
    )
    html = login(client, world.consultant).get(page("diff", runbook)).content.decode()
    assert [e.text for e in elements(html, "table.diff del")] == ["Read"]
    assert [e.text for e in elements(html, "table.diff ins")] == ["Study"]
    assert "&lt;i&gt;Wording&lt;/i&gt;" in html


def test_reader_page_shows_task_lists_as_disabled_checkboxes(client, world, runbook):
    html = login(client, world.operator_a).get(page("detail", runbook)).content.decode()
    assert "[ ]" not in html
    boxes = elements(html, ".runbook-body li.task-list-item > input")
    assert len(boxes) == 3
    assert all(b.get("type") == "checkbox" and b.get("disabled") is not None for b in boxes)
