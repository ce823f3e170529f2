"""Markdown rendering features, and the sanitiser against a corpus of hostile bodies."""

import re

import cssselect2
import pytest
import tinyhtml5

from runbooks.rendering import diff_table, diff_unified, markdown_to_html, task_items

LINKS = {"escalation-management": ("/engagements/1/runbooks/escalation-management/", "Escalate")}


def parse(html: str):
    root = tinyhtml5.parse(f"<body>{html}</body>", namespace_html_elements=False)
    return cssselect2.ElementWrapper.from_html_root(root)


def elements(html: str, css: str = "body *") -> list:
    return [e.etree_element for e in parse(html).query_all(css)]


# --- features ---------------------------------------------------------------------------------


def test_tables_render():
    html = markdown_to_html("| a | b |\n|---|---|\n| 1 | 2 |\n").html
    assert [e.text for e in elements(html, "td")] == ["1", "2"]
    assert elements(html, "table thead th")


def test_fenced_code_keeps_its_language_and_escapes_html():
    html = markdown_to_html('```python\nprint("<b>hi</b>")\n```\n').html
    code = elements(html, "pre > code")[0]
    assert code.get("class") == "language-python"
    assert code.text == 'print("<b>hi</b>")\n'
    assert not elements(html, "b")


def test_task_lists_become_read_only_checkboxes_and_steps():
    body = "- [ ] Check the dashboard\n- [x] Read alerts\n* plain item\n"
    html = markdown_to_html(body).html
    assert "[ ]" not in html and "[x]" not in html
    boxes = elements(html, "li.task-list-item > input")
    assert [dict(b.attrib) for b in boxes] == [
        {"type": "checkbox", "disabled": "disabled", "aria-label": "To do"},
        {"type": "checkbox", "disabled": "disabled", "aria-label": "Done", "checked": "checked"},
    ]
    assert task_items(body) == ["Check the dashboard", "Read alerts"]


def test_a_body_cannot_plant_a_form_field():
    """Any <input> a body writes ends up a disabled checkbox with nothing else on it."""
    body = (
        '<input type="text" name="password" value="x" onclick="alert(1)" form="f" '
        'aria-label="Enter your password" autofocus style="x">\n\n'
        '<input type="submit" formaction="https://evil.example/">\n'
    )
    html = markdown_to_html(body).html
    boxes = elements(html, "input")
    assert len(boxes) == 2
    for box in boxes:
        assert dict(box.attrib) == {"type": "checkbox", "disabled": "disabled"}
    assert "evil" not in html and "password" not in html.lower()


def test_task_items_ignore_fenced_code():
    assert task_items("```\n- [ ] not a step\n```\n- [ ] a step\n") == ["a step"]


def test_headings_get_prefixed_anchors_and_a_table_of_contents():
    rendered = markdown_to_html("# Title\n\n## Every morning\n\n### Details\n")
    h2 = elements(rendered.html, "h2")[0]
    assert h2.get("id") == "h-every-morning"
    assert elements(rendered.html, "h2 a.headerlink")[0].get("href") == "#h-every-morning"
    toc_links = [a.get("href") for a in elements(rendered.toc, "a")]
    assert toc_links == ["#h-every-morning", "#h-details"]


def test_no_headings_no_toc():
    assert markdown_to_html("just text").toc == ""


def test_runbook_links_by_slug():
    html = markdown_to_html(
        "See [[escalation-management]], [[escalation-management|the escalation guide]], "
        "[this](runbook:escalation-management), [[nowhere]] and [gone](runbook:nowhere).",
        links=LINKS,
    ).html
    found = [(a.text, a.get("href")) for a in elements(html, "a.runbook-link")]
    url = LINKS["escalation-management"][0]
    assert ("Escalate", url) in found
    assert ("the escalation guide", url) in found
    assert ("this", url) in found
    missing = elements(html, ".runbook-link.missing")
    assert [m.text for m in missing] == ["nowhere", "gone"]
    assert all(m.get("href") is None for m in missing)


def test_own_images_stay_external_ones_lose_their_source():
    html = markdown_to_html(
        "![logo](/static/img/favicon.svg) ![up](/media/runbooks/a.png) "
        "![x](https://evil.example/track.png) ![y](/static/../../etc/passwd) ![z](//evil.example/a)"
    ).html
    assert [i.get("src") for i in elements(html, "img")] == [
        "/static/img/favicon.svg",
        "/media/runbooks/a.png",
        None,
        None,
        None,
    ]


def test_ordinary_links_survive():
    html = markdown_to_html("[docs](https://example.com/a?b=1) [mail](mailto:a@b.c) [top](#h-x)")
    hrefs = [a.get("href") for a in elements(html.html, "a")]
    assert hrefs == ["https://example.com/a?b=1", "mailto:a@b.c", "#h-x"]


def test_diffs_are_escaped_and_show_both_sides():
    old, new = "line one\n<script>alert(1)</script>\n", "line one\nline two\n"
    table = diff_table(old, new, old_label="v1 <b>", new_label="v2")
    assert "<script>" not in table and "&lt;script&gt;" in table
    assert "v1 &lt;b&gt;" in table
    unified = diff_unified(old, new, old_label="v1", new_label="v2")
    assert "+line two" in unified and "-<script>alert(1)</script>" in unified


# --- the hostile corpus -----------------------------------------------------------------------

XSS_CORPUS = [
    "<script>window.__pwned = 1</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<img src=x onerror="window.__pwned=1">',
    "<img src=/static/img/favicon.svg onload=alert(1)>",
    '<body onload="alert(1)">',
    '<div onmouseover="alert(1)">hover</div>',
    '<a href="#" onclick="alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](%6Aavascript:alert(1))",
    "[click][evil]\n\n[evil]: javascript:alert(1)",
    "[click][evil]\n\n[evil]: JAVASCRIPT:alert(1) 'title'",
    '<a href="javascript:alert(1)">raw</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab entity</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112'
    '&#0000116&#0000058alert(1)">padded entities</a>',
    '<a href=" &#14; javascript:alert(1)">control char</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="data:text/html,<script>alert(1)</script>">data</a>',
    "![pixel](data:image/png;base64,iVBORw0KGgo=)",
    "![external](https://evil.example/beacon.png)",
    '<img src="https://evil.example/beacon.png">',
    '<img src="/\\evil.example/x.png">',
    '<svg onload="alert(1)"><circle r="10"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table>",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<input autofocus onfocus="alert(1)">',
    '<details open ontoggle="alert(1)">x</details>',
    "<style>body { display: none }</style>",
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%;background:#fff">overlay</p>',
    '<div style="background:url(javascript:alert(1))">css</div>',
    '<p class="skip-link sr-only">hide with product classes</p>',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<h2 id="__pwned">clobber a global</h2>',
    '<img name="__pwned" src="/static/x.png">',
    "<!--<img src=x onerror=alert(1)>-->",
    '<a href="runbook:x" onclick="alert(1)">scheme plus handler</a>',
    "[[escalation-management|<img src=x onerror=alert(1)>]]",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><img src=x onerror=alert(1)></template>",
]

SAFE_SCHEMES = {"http", "https", "mailto"}
FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "style", "svg", "math", "form", "link",
    "meta", "base", "button", "details", "template", "noscript", "body",
}  # fmt: skip


def assert_inert(html: str) -> None:
    for el in elements(html):
        tag = el.tag.split("}")[-1].lower()
        assert tag not in FORBIDDEN_TAGS, (tag, html)
        if tag == "input":  # only ever a read-only task box
            attrs = dict(el.attrib)
            assert attrs.pop("type") == "checkbox" and attrs.pop("disabled") == "disabled", html
            assert attrs.pop("checked", "checked") == "checked", html
            assert attrs.pop("aria-label", "Done") in {"Done", "To do"}, html
            assert attrs == {}, html
        for name, value in el.attrib.items():
            name = name.split("}")[-1].lower()
            assert not name.startswith("on"), (name, html)
            assert name not in {"style", "name", "srcdoc", "formaction", "action"}, (name, html)
            if name == "id":
                assert value.startswith("h-"), (value, html)
            if name == "class":
                assert not {"skip-link", "sr-only"} & set(value.split()), html
            if name in {"href", "src", "xlink:href", "data"}:
                cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
                scheme = (
                    cleaned.split(":", 1)[0] if re.match(r"^[a-z][a-z0-9+.-]*:", cleaned) else ""
                )
                assert scheme in SAFE_SCHEMES | {""}, (value, html)
                if name == "src":
                    assert re.match(r"^/(static|media)/", value), (value, html)


def _markup(html: str) -> str:
    """Only the markup (tags and attributes), not escaped text a reader sees."""
    return " ".join(
        f"{el.tag} " + " ".join(f"{k}={v}" for k, v in el.attrib.items()) for el in elements(html)
    ).lower()


def test_corpus_is_big_enough():
    assert len(XSS_CORPUS) >= 30


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_hostile_body_renders_inert(payload):
    rendered = markdown_to_html(f"# Heading\n\n{payload}\n\nAfter.", links=LINKS)
    assert_inert(rendered.html)
    assert_inert(rendered.toc)


def test_whole_corpus_in_one_body_renders_inert():
    rendered = markdown_to_html("\n\n".join(XSS_CORPUS), links=LINKS)
    assert_inert(rendered.html)
    markup = _markup(rendered.html)
    for needle in ("javascript", "vbscript", "data:", "script", "onerror", "onload", "evil."):
        assert needle not in markup, needle
