"""The process page: compact step rows whose Edit opens the form, and a diagram whose names
wrap instead of being cut and whose documented → actual links stay between the columns."""

import re
import xml.etree.ElementTree as ET

from django.test import Client as PageClient

from maestro.mapping.diagram import BOX_W, COL_W, PAD, _wrap
from tests.mapping.factories import ProcessFactory, StepFactory

SVG = "{http://www.w3.org/2000/svg}"
LONG = "Officer checks the supplier list against the sanctions register"


def _process(world):
    process = ProcessFactory(engagement=world.engagement_a)
    docs = [StepFactory(process=process, flow="documented", name=f"Doc {i}") for i in range(3)]
    for i in range(4):
        StepFactory(
            process=process, name=LONG if i == 0 else f"Act {i}", documented_step=docs[i % 3]
        )
    return process


def test_step_forms_are_closed_behind_each_rows_edit(world):
    process = _process(world)
    client = PageClient()
    client.force_login(world.consultant)
    html = client.get(f"/processes/{process.pk}/").content.decode()
    rows = re.findall(r'<li class="step-row[^"]*" data-step-id="\d+">.*?</li>', html, re.S)
    assert len(rows) == 7
    for row in rows:
        assert '<details class="step-edit">' in row and '<details class="step-edit" open' not in row
        assert row.index('class="step-summary"') < row.index('<form class="step-form"')
    assert html.count('<details class="add-step">') == 2


def test_readers_see_the_rows_without_any_form(world):
    process = _process(world)
    client = PageClient()
    client.force_login(world.operator_a)
    html = client.get(f"/processes/{process.pk}/").content.decode()
    assert LONG in html and "step-form" not in html and "step-edit" not in html


def test_long_names_wrap_between_words_in_the_diagram(world):
    process = _process(world)
    client = PageClient()
    client.force_login(world.consultant)
    root = ET.fromstring(client.get(f"/processes/{process.pk}/diagram.svg").content)
    names = [
        "".join(t.itertext())
        for g in root.iter(f"{SVG}g")
        if "actual" in (g.get("class") or "").split() and "step" in g.get("class", "").split()
        for t in g.iter(f"{SVG}text")
        if t.get("class") == "step-name"
    ]
    assert " ".join(names[:2]) == f"1. {LONG}"
    assert not any("…" in n for n in names)


def test_wrap_cuts_only_what_does_not_fit():
    assert _wrap("a b c", 10, 2) == ["a b c"]
    assert _wrap("alpha beta gamma delta", 11, 2) == ["alpha beta", "gamma delta"]
    assert _wrap("alpha beta gamma delta epsilon", 11, 2)[-1].endswith("…")
    assert _wrap("x" * 25, 10, 3) == ["xxxxxxxxx-", "xxxxxxxxx-", "xxxxxxx"]


def test_links_are_curves_that_stay_between_the_columns(world):
    process = _process(world)
    client = PageClient()
    client.force_login(world.consultant)
    root = ET.fromstring(client.get(f"/processes/{process.pk}/diagram.svg").content)
    links = [p for p in root.iter(f"{SVG}path") if p.get("class") == "link"]
    assert len(links) == 4
    for link in links:
        xs = [float(x) for x in re.findall(r"[MC ](-?[\d.]+),", link.get("d"))]
        assert all(PAD + BOX_W <= x <= PAD + COL_W for x in xs), link.get("d")
        assert link.get("marker-end") == f"url(#map-{process.pk}-link-arrow)"


def _references(root) -> set[str]:
    """The ids a drawing points at: url(#…) in its attributes and its aria-labelledby."""
    refs = set()
    for element in root.iter():
        for name, value in element.attrib.items():
            refs.update(re.findall(r"url\(#([^)]+)\)", value))
            if name == "aria-labelledby":
                refs.update(value.split())
    return refs


def test_two_maps_share_no_id_and_each_points_at_its_own(world):
    """Both on one page or in one handoff document: no id twice, every reference resolved
    inside its own drawing."""
    client = PageClient()
    client.force_login(world.consultant)
    ids_of = []
    for process in (_process(world), _process(world)):
        page = client.get(f"/processes/{process.pk}/").content.decode()
        start = page.index("<svg", page.index('id="map-diagram"'))
        inline = ET.fromstring(page[start : page.index("</svg>", start) + len("</svg>")])
        alone = ET.fromstring(client.get(f"/processes/{process.pk}/diagram.svg").content)
        ids = [element.get("id") for element in alone.iter() if element.get("id")]
        assert len(ids) == len(set(ids)) == 4
        assert _references(alone) == set(ids)
        # The editor swaps the page's drawing for this one: the same ids.
        assert [element.get("id") for element in inline.iter() if element.get("id")] == ids
        ids_of.append(set(ids))
    assert not ids_of[0] & ids_of[1]
