"""The one nh3 allow-list every rendered body passes through, and the product's own URL rules."""

import re

import nh3

# Heading ids carry a prefix so a heading can never clobber a global name in the page's JS
# (a raw `<h2 id="x">` without it loses its id in `sanitise`).
HEADING_ID_PREFIX = "h-"


ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "em", "strong", "del", "sup", "sub", "kbd", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tr", "th", "td", "a", "img", "span", "div", "nav", "input",
}  # fmt: skip

# Task-list boxes. Every <input> that survives is forced to a disabled checkbox (a body's own
# <input type="text"> too: no form field can be planted in a runbook); its only other
# attributes are `checked` and one of these two names.
TASK_DONE, TASK_TO_DO = "Done", "To do"
FORCED_ATTRIBUTES = {"input": {"type": "checkbox", "disabled": "disabled"}}


ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "code": {"class"},
    "span": {"class"},
    "li": {"class"},
    "ul": {"class"},
    "div": {"class"},
    "input": {"checked", "aria-label"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
}


# Only classes the product's own CSS gives meaning to for documents: nothing a body could use
# to reach the page's layout classes (overlays, hidden text, the skip link).
ALLOWED_CLASSES = {
    "task-list",
    "task-list-item",
    "task-box",
    "done",
    "toc",
    "headerlink",
    "runbook-link",
    "missing",
}


URL_SCHEMES = {"http", "https", "mailto"}


OWN_MEDIA = re.compile(r"^/(?:static|media)/[A-Za-z0-9._~/%-]+$")


SAFE_ID = re.compile(rf"^{HEADING_ID_PREFIX}[a-z0-9_-]+$")


SAFE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]+$")


# Control characters and whitespace browsers drop from a URL before reading its scheme.
URL_JUNK = re.compile(r"[\x00-\x20\x7f]+")


SAFE_HREF = re.compile(r"^(?:#|/(?![/\\])|https?://|mailto:|[A-Za-z0-9._~-]+(?:[/?#]|$))", re.I)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "input":
        if attribute == "checked":
            return "checked"
        if attribute == "aria-label":
            return value if value in (TASK_DONE, TASK_TO_DO) else None
        return (
            value
            if (attribute, value) in (("type", "checkbox"), ("disabled", "disabled"))
            else None
        )
    if attribute == "class":
        kept = [c for c in value.split() if c in ALLOWED_CLASSES or SAFE_CLASS.match(c)]
        return " ".join(kept) or None
    if attribute == "id":
        return value if SAFE_ID.match(value) else None
    if attribute == "src":
        return value if OWN_MEDIA.match(value) and ".." not in value else None
    if attribute == "href":
        return value if SAFE_HREF.match(URL_JUNK.sub("", value)) else None
    return value


def sanitise(unsafe_html: str) -> str:
    """The allow-list every rendered body passes through. nh3 decodes entities before it
    checks a URL's scheme; `_attribute_filter` adds the product's own rules on top."""
    return nh3.clean(
        unsafe_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        set_tag_attribute_values=FORCED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
