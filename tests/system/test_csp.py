"""Content-Security-Policy: a strict policy on every response, and pages that need no exception
to it (no inline script, style or event handler, in templates or in server-generated markup)."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from maestro.demo.seed import demo_seed
from maestro.tenancy.models import User

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PAGES_PER_USER = 120


def directives(header: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def assert_strict(response, where: str) -> None:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{where}: no Content-Security-Policy header"
    policy = directives(header)
    assert policy["default-src"] == ["'self'"], where
    for name in ("script-src", "style-src"):
        assert policy[name] == ["'self'"], (where, name, policy.get(name))
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, where
    assert policy["object-src"] == ["'none'"], where
    assert policy["frame-ancestors"] == ["'none'"], where
    assert policy["form-action"] == ["'self'"], where
    assert policy["base-uri"] == ["'none'"], where


class InlineFinder(HTMLParser):
    """Collects what a strict policy would refuse: inline scripts and styles, event handler
    and style attributes, javascript: URLs; and the page's same-site links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.links: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.problems.append("<style> block")
        if tag == "script" and not values.get("src"):
            self.problems.append("inline <script>")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")


def inline_problems(html: str) -> tuple[list[str], list[str]]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems, finder.links


@pytest.mark.django_db
def test_every_page_of_each_role_carries_the_strict_policy_and_needs_no_exception():
    """Crawl the demo as each role from the engagement list, following every same-site link:
    every response has the policy, and no page has markup the policy would block."""
    demo_seed()
    crawled = 0
    for username in ("maria", "olivia", "sam", "bruno"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        queue, seen = ["/", "/api/docs/", "/status/", "/no-such-page/"], set()
        while queue and len(seen) < PAGES_PER_USER:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            response = client.get(path)
            where = f"{username} GET {path} ({response.status_code})"
            assert_strict(response, where)
            if not response.get("Content-Type", "").startswith(("text/html", "image/svg")):
                continue
            body = response.content.decode()
            problems, links = inline_problems(body)
            assert problems == [], where
            for link in links:
                url = urldefrag(link).url
                parts = urlsplit(url)
                if parts.scheme or parts.netloc or not url.startswith("/"):
                    continue
                if url.startswith(("/admin/", "/logout/", "/media/", "/static/")):
                    continue
                if url.endswith((".pdf", ".csv")) or "/export" in url:
                    continue
                if url.endswith("/handoff-pdf/preview/"):
                    # The handoff PDF's print preview is the document's own HTML, served with a
                    # policy of its own: no script at all, its <style> allowed by hash
                    # (tests/handoff/test_document_job_pages.py).
                    continue
                queue.append(url)
        crawled += len(seen)
    assert crawled > 100  # the crawl reached the product's pages, not only the start points


@pytest.mark.django_db
def test_login_error_and_api_responses_carry_the_policy(client):
    for path in ("/login/", "/api/engagements/", "/api/schema/"):
        assert_strict(client.get(path), path)
    assert_strict(client.post("/login/", {"username": "x", "password": "y"}), "POST /login/")


@pytest.mark.django_db
def test_api_docs_page_loads_swagger_ui_from_the_site_with_no_inline_script(
    client, django_user_model
):
    client.force_login(django_user_model.objects.create(username="reader"))
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    problems, _links = inline_problems(html)
    assert problems == []
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(src.startswith("/") for src in scripts), scripts
    assert any("swagger-ui-bundle.js" in src for src in scripts)
    init = [src for src in scripts if "script" in urlsplit(src).query]
    assert init, "the init script is not served as a file"
    script = client.get(init[0].replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    for sheet in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        assert sheet.startswith("/"), sheet


INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style[\s>]", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def test_templates_have_no_inline_handlers_styles_or_unnonced_scripts():
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if "pdf" in path.relative_to(TEMPLATES).parts:
            continue  # WeasyPrint's print templates never reach a browser
        if path.relative_to(TEMPLATES).parts[:2] == ("handoff", "document"):
            # The handoff PDF's templates: WeasyPrint's, and the print preview serves them
            # under a CSP of its own that allows their inline stylesheet and nothing else.
            continue
        if "email" in path.relative_to(TEMPLATES).parts:
            # An e-mail's HTML part styles itself inline (mail clients drop style sheets); its
            # one browser view, the summary preview, is served with a CSP of its own that allows
            # inline styles and nothing else (tests/monitoring/test_pages.py).
            continue
        text = path.read_text()
        name = path.relative_to(TEMPLATES)
        for pattern, what in (
            (INLINE_HANDLER, "inline event handler"),
            (STYLE_ATTRIBUTE, "style attribute"),
            (STYLE_BLOCK, "<style> block"),
        ):
            problems += [f"{name}: {what}: {m.group(0)[:60]}" for m in pattern.finditer(text)]
        for match in SCRIPT_TAG.finditer(text):
            attrs = match.group(1)
            if "src=" not in attrs and "nonce=" not in attrs:
                problems.append(f"{name}: inline <script> without a nonce")
        if "javascript:" in text.lower():
            problems.append(f"{name}: javascript: URL")
    assert problems == []
