"""Hostile bodies at the largest allowed size: refused with a stable code, or rendered with a
bounded number of operations (function calls, counted with sys.setprofile: no clock)."""

import sys

import pytest

from runbooks.rendering import MAX_BODY_CHARS, RenderRefused, render_body, resolve_links
from runbooks.rendering import bounds as rendering


class OperationBudgetExceeded(Exception):
    pass


def operations(fn, *, budget: int) -> int:
    """How many Python and C function calls `fn()` makes; stops it once past `budget` (so a
    quadratic render fails at once instead of running for hours)."""
    count = 0

    def hook(frame, event, arg):
        nonlocal count
        if event == "call" or event == "c_call":
            count += 1
            if count > budget:
                raise OperationBudgetExceeded(f"more than {budget:,} calls")

    sys.setprofile(hook)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


def at_max(unit: str) -> str:
    return (unit * (MAX_BODY_CHARS // len(unit) + 1))[:MAX_BODY_CHARS]


# An ordinary body costs about 10-90 calls per character; a linear bound with room to spare.
LINEAR_BUDGET = 150 * MAX_BODY_CHARS
# Refusing is a linear pre-check that never reaches Python-Markdown.
REFUSAL_BUDGET = 10 * MAX_BODY_CHARS


@pytest.mark.parametrize(
    "unit",
    [
        "# h\n",  # the 49,750 identical headings: one block, cut a line at a time
        "# h\n\n",  # identical headings, each its own block: unique ids for all of them
        "| 1 | 2 |\n",  # a table of 20,000 rows (with its header below)
        "- [ ] `a`\n",  # a checklist of 20,000 steps with code
        "a\n---\n",  # setext headings
    ],
)
def test_long_regular_bodies_render_in_a_bounded_number_of_operations(unit):
    body = at_max(unit)
    if unit.startswith("|"):
        body = ("| a | b |\n|---|---|\n" + body)[:MAX_BODY_CHARS]
    calls = operations(lambda: render_body(body), budget=LINEAR_BUDGET)
    assert calls <= LINEAR_BUDGET


@pytest.mark.parametrize(
    "unit,code",
    [
        ("[", "body_too_dense"),  # the "[" x 5,000, at the size the API allows
        ("[[", "body_too_dense"),
        ("![", "body_too_dense"),
        ("[a](", "body_too_dense"),
        ("[[a]] ", "body_too_dense"),  # many wiki links in one paragraph
        ("*a*", "body_too_dense"),
        ("_", "body_too_dense"),
        ("<a ", "body_too_dense"),
        ("<", "body_too_dense"),
        ("`a` ", "body_too_dense"),
        ("\\[", "body_too_dense"),
        ("&amp;", "body_too_dense"),
        ("a  \n", "body_too_dense"),
        ("```\n", "body_too_dense"),
        ("> ", "body_too_deep"),  # > > > > ...
        ("1. ", "body_too_deep"),  # Python-Markdown recursed until RecursionError
        ("* ", "body_too_deep"),
    ],
)
def test_exploding_shapes_are_refused_before_rendering(unit, code):
    body = at_max(unit)

    def render():
        with pytest.raises(RenderRefused) as refused:
            render_body(body)
        assert refused.value.code == code

    assert operations(render, budget=REFUSAL_BUDGET) <= REFUSAL_BUDGET


def test_a_body_over_the_limit_is_refused():
    with pytest.raises(RenderRefused) as refused:
        render_body("a" * (MAX_BODY_CHARS + 1))
    assert refused.value.code == "body_too_long"


@pytest.mark.parametrize("unit", ["[", "[a](", "<a ", "# h\n"])
def test_shapes_below_the_refusal_bound_render_with_bounded_scans(unit):
    """The same shapes short enough to be accepted: the link, table and tag scans are bounded,
    so 5,000 "[" cost a linear number of calls (the scan to the end was 12.5 million)."""
    body = (unit * 5_000)[:5_000]
    calls = operations(lambda: render_body(body), budget=150 * len(body) + 200_000)
    assert calls <= 150 * len(body) + 200_000


def test_link_scans_share_one_budget_per_render():
    budget = rendering._ScanBudget(100)
    processor = rendering._BOUNDED_LINK_PATTERNS[1][1](rendering.inlinepatterns.LINK_RE, None)
    processor.budget = budget
    assert processor.getText("[" * 10_000, 1) == ("", 1, False)
    assert budget.left <= 0
    # Once spent, brackets stay text without scanning.
    assert processor.getText("a]", 0) == ("", 0, False)


def test_rendered_markers_are_unforgeable_and_resolve_to_links_now():
    body = (
        'See [[ops]], [[ops|the ops guide]], [this](runbook:ops "tip") and [[gone]].\n\n'
        # What a body might try, to make the reader's page show a link of its choosing:
        "\ue000ops\ue001<b>x</b>\ue002 &#xe003;ops&#xe001;&#xe004;y</a> "
        '<a href="#0123456789abcdefwops">z</a>'
    )
    stored = render_body(body).html
    html = resolve_links(stored, {"ops": ("/r/ops/", "Ops <now>")})
    assert html.count('href="/r/ops/"') == 3
    assert ">Ops &lt;now&gt;</a>" in html
    assert ">the ops guide</a>" in html
    assert '<span class="runbook-link missing">gone</span>' in html
    assert '<a href="/r/ops/" title="tip" class="runbook-link" rel="noopener' in html
    assert "\ue000" not in html and "\ue003" not in html
    # Without the runbook: missing spans and a link without an address.
    html = resolve_links(stored, {})
    assert "/r/ops/" not in html
    assert html.count("runbook-link missing") == 4
