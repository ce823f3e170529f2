"""The fetcher's one allowance: the product's own static files (through the staticfiles
finders) and uploaded images (through STORAGES), named `maestro:/static/<path>` and
`maestro:/media/<name>`, and nothing a path can reach beyond them."""

import http.client
import io
import logging
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from handoff.document import fetcher
from handoff.document.fetcher import DocumentFetcher, FetchRefused, own_url
from handoff.document.render import document_build, document_pdf
from handoff.document.source import DocumentSource
from runbooks import services as runbook_services
from tests.handoff import document_fetch_probes
from tests.handoff.document_fetch_probes import (
    Listener,
    attachment_names,
    html_with,
    leak_in,
    make_canary,
    render_html,
)

pytestmark = pytest.mark.django_db

engagement = document_fetch_probes.engagement

STATIC_TEXT = "STATICSERVED"


def _png(colour: str = "red", size: int = 24) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def static_root(tmp_path, settings) -> Path:
    """A static folder the finders search, next to a secret stylesheet outside it, with a
    symlink that points out, a hidden file and a file of a type the document never uses."""
    root = tmp_path / "static-root"
    (root / "probe").mkdir(parents=True)
    (root / "probe" / "ok.css").write_text(f'html::before {{ content: "{STATIC_TEXT}"; }}\n')
    (root / "probe" / "nested.css").write_text('@import url("maestro:/static/probe/ok.css");\n')
    (root / "probe" / "relative.css").write_text('@import "ok.css";\n')
    (root / "probe" / "café.css").write_text("p { color: blue; }\n")
    (root / "probe" / ".hidden.css").write_text("p { color: red; }\n")
    (root / "probe" / "notes.txt").write_text("notes\n")
    canary = make_canary(tmp_path)
    (tmp_path / "secret.css").write_text(canary.css.read_text())
    (root / "probe" / "escape.css").symlink_to(tmp_path / "secret.css")
    settings.STATICFILES_DIRS = [*django_settings.STATICFILES_DIRS, str(root)]
    return root


@dataclass(frozen=True)
class Media:
    root: Path
    secret: str


@pytest.fixture
def media(tmp_path, settings) -> Media:
    """Local media with an uploaded image, a generated PDF and an import of another client, a
    text file that calls itself .png, and a symlink to an image outside."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    canary = make_canary(tmp_path)
    default_storage.save("runbooks/diagram.png", ContentFile(_png()))
    default_storage.save("handoff/7/handoff-v1.pdf", ContentFile(f"%PDF-1.7 {canary.secret}"))
    default_storage.save("imports/7/cases.csv", ContentFile(f"case,{canary.secret}\n"))
    default_storage.save("runbooks/fake.png", ContentFile(f"{canary.secret}\n"))
    (tmp_path / "outside.png").write_bytes(_png("blue"))
    (root / "runbooks" / "link.png").symlink_to(tmp_path / "outside.png")
    return Media(root=root, secret=canary.secret)


# --- served ---


def test_a_static_stylesheet_is_served_by_path(static_root, engagement):
    html = html_with('<link rel="stylesheet" href="maestro:/static/probe/ok.css"><p>body</p>')

    pdf = render_html(html, engagement)

    assert leak_in(pdf, STATIC_TEXT) is not None


def test_the_products_own_static_files_are_served_as_they_are():
    own = Path(django_settings.BASE_DIR) / "static" / "css" / "maestro.css"

    response = DocumentFetcher().fetch("maestro:/static/css/maestro.css")

    assert response.read() == own.read_bytes()
    assert response.content_type == "text/css"
    assert DocumentFetcher().fetch("maestro:/static/img/favicon.svg").content_type == (
        "image/svg+xml"
    )


def test_an_apps_static_file_is_found_by_the_finders():
    response = DocumentFetcher().fetch("maestro:/static/admin/css/base.css")

    assert response.content_type == "text/css"
    assert response.read()


def test_a_non_ascii_name_is_decoded_once_as_weasyprint_encodes_it(static_root):
    response = DocumentFetcher().fetch("maestro:/static/probe/caf%C3%A9.css")

    assert response.read() == (static_root / "probe" / "café.css").read_bytes()


def test_a_served_stylesheet_imports_by_the_same_contract(static_root, engagement):
    html = html_with('<link rel="stylesheet" href="maestro:/static/probe/nested.css">')

    assert leak_in(render_html(html, engagement), STATIC_TEXT) is not None


def test_a_relative_reference_inside_a_served_stylesheet_is_refused(static_root, engagement):
    # The maestro: scheme has no relative resolution: "ok.css" reaches the fetcher as is.
    html = html_with('<link rel="stylesheet" href="maestro:/static/probe/relative.css">')

    assert leak_in(render_html(html, engagement), STATIC_TEXT) is None


def test_an_uploaded_image_is_served_from_default_storage(media, engagement):
    html = html_with('<img src="maestro:/media/runbooks/diagram.png" alt="diagram">')

    pdf = render_html(html, engagement)

    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 1
    response = DocumentFetcher().fetch("maestro:/media/runbooks/diagram.png")
    assert response.read() == default_storage.open("runbooks/diagram.png").read()
    assert response.content_type == "image/png"


def test_media_are_read_through_storages_not_a_filesystem_path(settings, engagement):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    default_storage.save("runbooks/memory.png", ContentFile(_png("green")))

    pdf = render_html(html_with('<img src="maestro:/media/runbooks/memory.png">'), engagement)

    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images) == 1


def test_own_url_turns_a_pages_path_into_the_documents():
    assert own_url("/static/handoff/document.css") == "maestro:/static/handoff/document.css"
    assert own_url("/media/runbooks/a.png") == "maestro:/media/runbooks/a.png"
    assert own_url("https://example.com/a.png") is None
    assert own_url("static/a.png") is None


# --- refused ---

# Each aims at a file that exists: the secret stylesheet next to the static root (or, for the
# last ones, a file inside it that the contract does not serve).
STATIC_REFUSED = [
    "maestro:/static/../secret.css",
    "maestro:/static/probe/../../secret.css",
    "maestro:/static/%2e%2e/secret.css",
    "maestro:/static/%2E%2E/secret.css",
    "maestro:/static/.%2e/secret.css",
    "maestro:/static/%252e%252e/secret.css",
    "maestro:/static/..%2fsecret.css",
    "maestro:/static/probe%2f..%2f..%2fsecret.css",
    "maestro:/static/..%5csecret.css",
    "maestro:/static/..\\secret.css",
    "maestro:/static/probe\\..\\..\\secret.css",
    "maestro:/static/{tmp}/secret.css",
    "maestro:/static/%2f{tmp}/secret.css",
    "maestro:/static/probe/escape.css",
    "maestro:/static/probe/./ok.css",
    "maestro:/static/probe//ok.css",
    "maestro:/static/probe/ok.css?v=1",
    "maestro:/static/probe/ok.css#x",
    "maestro:/static/probe/.hidden.css",
    "maestro:/static/probe/notes.txt",
    "maestro:/static/probe/missing.css",
    "maestro:/static/probe/" + "x" * 1100 + ".css",
    "maestro:/static/probe/ok.css%00.png",
    "maestro:/static/probe/",
    "maestro:/static/probe",
    "MAESTRO:/static/probe/ok.css",
    "maestro://static/probe/ok.css",
    "maestro:///static/probe/ok.css",
    "maestro:static/probe/ok.css",
    "maestro:/STATIC/probe/ok.css",
    "/static/probe/ok.css",
    "static/probe/ok.css",
    "probe/ok.css",
    "file://{tmp}/static-root/probe/ok.css",
    "file://{tmp}/secret.css",
]


@pytest.mark.parametrize("url", STATIC_REFUSED)
def test_a_static_path_outside_the_contract_is_refused(url, static_root, engagement):
    tmp = str(static_root.parent).lstrip("/")
    url = url.format(tmp=tmp)

    with pytest.raises(FetchRefused):
        DocumentFetcher().fetch(url)
    pdf = render_html(html_with(f'<link rel="stylesheet" href="{url}">'), engagement)
    assert leak_in(pdf, STATIC_TEXT) is None
    assert leak_in(pdf, "CANARY") is None


MEDIA_REFUSED = [
    "maestro:/media/../outside.png",
    "maestro:/media/%2e%2e/outside.png",
    "maestro:/media/runbooks/..%2f..%2foutside.png",
    "maestro:/media/{tmp}/outside.png",
    "maestro:/media/runbooks/link.png",
    "maestro:/media/handoff/7/handoff-v1.pdf",
    "maestro:/media/imports/7/cases.csv",
    "maestro:/media/runbooks/fake.png",
    "maestro:/media/runbooks/missing.png",
    "maestro:/media/runbooks/diagram.png?x",
    "maestro:/media/runbooks",
]


@pytest.mark.parametrize("url", MEDIA_REFUSED)
def test_a_media_path_outside_the_contract_is_refused(url, media, engagement):
    url = url.format(tmp=str(media.root.parent).lstrip("/"))

    with pytest.raises(FetchRefused):
        DocumentFetcher().fetch(url)


TRAVERSALS = [
    "../secret.css",
    "probe/../../secret.css",
    "%2e%2e/secret.css",
    "%2E%2e/secret.css",
    ".%2e/secret.css",
    "%252e%252e/secret.css",
    "..%2fsecret.css",
    "probe%2f..%2f..%2fsecret.css",
    "..%5csecret.css",
    "..\\secret.css",
    "/etc/secret.css",
    "%2fetc%2fsecret.css",
    "probe/./ok.css",
    "probe//ok.css",
    "probe/.hidden.css",
    "probe/ok.css%00.css",
    "probe/ok\x00.css",
    "C:/windows/secret.css",
    "",
]


@pytest.mark.parametrize("prefix", ["maestro:/static/", "maestro:/media/"])
@pytest.mark.parametrize("path", TRAVERSALS)
def test_a_traversal_is_refused_before_any_lookup(prefix, path, monkeypatch):
    # Django's finders and FileSystemStorage refuse most of these too; the fetcher does not
    # count on them (another storage backend may not).
    from django.contrib.staticfiles import finders

    looked_up = []
    monkeypatch.setattr(finders, "find", lambda *a, **k: looked_up.append(a))
    monkeypatch.setattr(default_storage, "open", lambda *a, **k: looked_up.append(a))

    with pytest.raises(FetchRefused):
        DocumentFetcher().fetch(prefix + path.replace(".css", ".png"))
    assert looked_up == []


def test_another_clients_files_in_media_are_never_attached(media, engagement):
    html = html_with(
        '<link rel="attachment" href="maestro:/media/handoff/7/handoff-v1.pdf">'
        '<link rel="attachment" href="maestro:/media/imports/7/cases.csv">'
        '<link rel="attachment" href="maestro:/media/runbooks/fake.png">'
        '<img src="maestro:/media/runbooks/link.png">'
    )

    pdf = render_html(html, engagement)

    assert attachment_names(pdf) == ["handoff.json"]
    assert leak_in(pdf, media.secret) is None
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images) == 0


def test_a_file_over_the_size_cap_is_refused(static_root, monkeypatch):
    size = (static_root / "probe" / "ok.css").stat().st_size
    monkeypatch.setattr(fetcher, "MAX_ASSET_BYTES", size - 1)

    with pytest.raises(FetchRefused, match="larger than"):
        DocumentFetcher().fetch("maestro:/static/probe/ok.css")


def test_a_rendering_reads_at_most_the_total_cap(static_root, monkeypatch):
    size = (static_root / "probe" / "ok.css").stat().st_size
    monkeypatch.setattr(fetcher, "MAX_TOTAL_BYTES", size * 2)
    one = DocumentFetcher()

    one.fetch("maestro:/static/probe/ok.css")
    one.fetch("maestro:/static/probe/ok.css")
    with pytest.raises(FetchRefused, match="would pass"):
        one.fetch("maestro:/static/probe/ok.css")
    DocumentFetcher().fetch("maestro:/static/probe/ok.css")  # the next rendering starts at 0


def test_a_refusal_is_logged_as_a_warning_a_bounded_number_of_times(caplog, engagement):
    html = html_with("".join(f'<img src="file:///etc/x{n}.png">' for n in range(40)))

    with caplog.at_level(logging.WARNING, logger="handoff.document.fetcher"):
        pdf = render_html(html, engagement)

    ours = [r for r in caplog.records if r.name == "handoff.document.fetcher"]
    assert len(ours) == fetcher.MAX_LOGGED_REFUSALS + 1
    assert "file:///etc/x0.png" in ours[0].getMessage()
    assert pdf.startswith(b"%PDF-")


def test_urllibs_own_machinery_opens_nothing():
    one = DocumentFetcher()
    with Listener() as listener:
        url = listener.url("/direct")

        with pytest.raises(FetchRefused):
            one.open(url)
        with pytest.raises(FetchRefused):
            one.open(urllib.request.Request(url))
        # Even urllib's OpenerDirector.open, bypassing fetch, has no handler to reach out with.
        assert urllib.request.OpenerDirector.open(one, url) is None

        assert listener.connections() == 0


def test_a_rendering_builds_none_of_urllibs_network_machinery(monkeypatch, engagement):
    built = []
    monkeypatch.setattr(http.client, "_create_https_context", lambda *a: built.append("SSL"))
    monkeypatch.setattr(
        urllib.request.OpenerDirector,
        "add_handler",
        lambda self, handler: built.append(type(handler).__name__),
    )

    one = DocumentFetcher()
    pdf = render_html(html_with("<p>body</p>"), engagement)

    assert built == []
    assert one.handlers == [] and one.handle_open == {}
    assert pdf.startswith(b"%PDF-")


def test_the_listener_does_count_a_direct_connection():
    # The probe itself works: a plain connection is counted.
    with Listener() as listener:
        conn = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=10)
        conn.request("GET", "/seen")
        conn.getresponse().read()
        conn.close()

        assert listener.connections() == 1
        assert listener.hit_paths() == ["/seen"]


def test_no_base_url_reaches_the_filesystem(static_root, engagement, monkeypatch):
    # A relative URL would resolve against a filesystem base URL; the document has none.
    monkeypatch.chdir(static_root / "probe")
    assert os.path.exists("ok.css")

    pdf = render_html(html_with('<link rel="stylesheet" href="ok.css">'), engagement)

    assert leak_in(pdf, STATIC_TEXT) is None


def _images_in(engagement) -> tuple[str, int]:
    """The document's HTML and its number of distinct images (WeasyPrint may list one image
    in the resources of every page)."""
    source = DocumentSource(engagement=engagement, version=1)
    built = document_build(source)
    reader = pypdf.PdfReader(io.BytesIO(document_pdf(built, source)))
    return built.html, len({image.data for page in reader.pages for image in page.images})


def test_a_published_runbooks_own_image_is_printed_in_the_document(media, world):
    consultant, engagement = world.consultant, world.engagement_a
    _, images_before = _images_in(engagement)
    runbook = runbook_services.runbook_create(
        engagement=engagement,
        title="Diagram",
        slug="diagram",
        body="# Diagram\n\n![The flow](/media/runbooks/diagram.png)\n",
        by=consultant,
    )
    runbook_services.runbook_publish(runbook=runbook, by=consultant)

    html, images = _images_in(engagement)

    assert 'src="maestro:/media/runbooks/diagram.png"' in html
    assert images == images_before + 1
