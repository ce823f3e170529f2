"""No fetch leaves the product: every way HTML or CSS makes WeasyPrint fetch, fed hostile URLs,
rendered through the product's own PDF path. A canary file's secret must be nowhere in the PDF
and a real listener on loopback must see no connection, also through a redirect. Each vector
has a control rendered with WeasyPrint's default fetcher that does leak, so these tests can
fail."""

import base64

import pytest
from weasyprint.urls import URLFetchingError

from tests.handoff import document_fetch_probes
from tests.handoff.document_fetch_probes import (
    Listener,
    attachment_names,
    html_with,
    leak_in,
    listeners,
    make_canary,
    render_html,
)

pytestmark = pytest.mark.django_db

engagement = document_fetch_probes.engagement
default_fetcher = document_fetch_probes.default_fetcher

# Every construct WeasyPrint 70 fetches for, with the URL of a file to attach ({text}), a
# stylesheet ({css}) or an image ({svg}).
VECTORS = {
    "link_attachment": '<link rel="attachment" href="{text}">',
    "a_attachment": '<a rel="attachment" href="{text}">file</a>',
    "link_stylesheet": '<link rel="stylesheet" href="{css}">',
    "import_url": '<style>@import url("{css}");</style>',
    "import_string": '<style>@import "{css}";</style>',
    "img": '<img src="{svg}" alt="">',
    "object": '<object data="{svg}" type="image/svg+xml"></object>',
    "embed": '<embed src="{svg}" type="image/svg+xml">',
    "iframe": '<iframe src="{css}"></iframe>',
    "css_background": (
        "<div style=\"background-image: url('{svg}'); width: 400px; height: 40px\"></div>"
    ),
    "css_list_style": "<ul style=\"list-style-image: url('{svg}')\"><li>item</li></ul>",
    "css_content": (
        '<style>p.probe::before {{ content: url("{svg}"); }}</style><p class="probe">x</p>'
    ),
    "css_border_image": (
        "<div style=\"border: 20px solid; border-image: url('{svg}') 20; width: 400px;"
        ' height: 40px"></div>'
    ),
    "svg_image": '<svg width="400" height="40"><image href="{svg}" width="400" height="40"/></svg>',
    "svg_xlink_image": (
        '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="400" height="40">'
        '<image xlink:href="{svg}" width="400" height="40"/></svg>'
    ),
    "font_face": (
        '<style>@font-face {{ font-family: Probe; src: url("{text}"); }}'
        " p {{ font-family: Probe; }}</style><p>text</p>"
    ),
    "svg_font_face": (
        '<svg width="400" height="40"><style>@font-face {{ font-family: Probe;'
        ' src: url("{text}"); }} text {{ font-family: Probe; }}</style>'
        '<text x="2" y="20">text</text></svg>'
    ),
    # An SVG's own @import: WeasyPrint 70 never fetches it (listed to keep it that way).
    "svg_import": (
        '<svg width="400" height="40"><style>@import url("{css}");</style>'
        '<rect width="4" height="4"/></svg>'
    ),
    "color_profile": (
        '<style>@color-profile --probe {{ src: url("{text}"); }}'
        " p {{ color: color(--probe 0 0 0 1); }}</style><p>text</p>"
    ),
}

# With the default fetcher, the canary's text shows up in the PDF for these (an attachment
# embeds the file; the stylesheet and the SVG print the secret as text). The others are fetched
# too but leave no text (a background is a pattern, a font or a profile that fails to parse is
# dropped): the listener tests show those.
VISIBLE_WITH_DEFAULT = set(VECTORS) - {
    "iframe",
    "svg_import",
    "css_background",
    "font_face",
    "svg_font_face",
    "color_profile",
}

# WeasyPrint 70 renders no <iframe> and never fetches an SVG's own @import: even the default
# fetcher asks for neither.
NEVER_FETCHED = {"iframe", "svg_import"}

# WeasyPrint 70 does not catch a failed fetch of an @color-profile: the refusal stops the
# rendering (the job fails with the refused URL; nothing is fetched, and there is no PDF).
STOPS_THE_RENDERING = {"color_profile"}


def _vector(name: str, *, text: str, css: str, svg: str) -> str:
    return html_with(VECTORS[name].format(text=text, css=css, svg=svg))


def _render(name: str, html: str, engagement) -> bytes:
    """The PDF, or b"" when the refusal stopped the rendering (STOPS_THE_RENDERING only)."""
    if name not in STOPS_THE_RENDERING:
        return render_html(html, engagement)
    with pytest.raises(URLFetchingError, match="FetchRefused"):
        render_html(html, engagement)
    return b""


def _listener_urls(listener: Listener, name: str) -> dict[str, str]:
    return {kind: listener.url(f"/{name}.{kind}") for kind in ("text", "css", "svg")}


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_a_local_file_is_never_read_into_the_pdf(name, tmp_path, engagement):
    canary = make_canary(tmp_path)

    pdf = _render(name, _vector(name, **canary.urls()), engagement)

    assert canary.secret.encode() not in pdf
    if pdf:
        assert leak_in(pdf, canary.secret) is None
        assert attachment_names(pdf) == ["handoff.json"]


@pytest.mark.parametrize("name", sorted(VISIBLE_WITH_DEFAULT))
def test_control_the_default_fetcher_puts_the_local_file_in_the_pdf(
    name, tmp_path, engagement, default_fetcher
):
    canary = make_canary(tmp_path)

    pdf = render_html(_vector(name, **canary.urls()), engagement)

    assert leak_in(pdf, canary.secret) is not None


def test_control_the_default_fetcher_embeds_etc_passwd_as_an_attachment(
    engagement,
    default_fetcher,
):
    pdf = render_html(html_with('<link rel="attachment" href="file:///etc/passwd">'), engagement)

    assert "passwd" in attachment_names(pdf)
    assert leak_in(pdf, "root:") is not None


def test_etc_passwd_is_not_attached(engagement):
    pdf = render_html(html_with('<link rel="attachment" href="file:///etc/passwd">'), engagement)

    assert attachment_names(pdf) == ["handoff.json"]
    assert leak_in(pdf, "root:") is None


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_no_connection_reaches_a_listener(name, engagement):
    with Listener() as listener:
        _render(name, _vector(name, **_listener_urls(listener, name)), engagement)

        assert listener.connections() == 0
        assert listener.hit_paths() == []


@pytest.mark.parametrize("name", sorted(set(VECTORS) - NEVER_FETCHED))
def test_control_the_default_fetcher_connects_to_the_listener(name, engagement, default_fetcher):
    with Listener() as listener:
        render_html(_vector(name, **_listener_urls(listener, name)), engagement)

        assert listener.connections() >= 1


@pytest.mark.parametrize("scheme", ["https", "ftp"])
def test_other_network_schemes_connect_nowhere(scheme, engagement):
    with Listener() as listener:
        url = f"{scheme}://127.0.0.1:{listener.port}/probe.css"
        render_html(
            html_with(f'<link rel="stylesheet" href="{url}"><img src="{url}">'),
            engagement,
        )

        assert listener.connections() == 0


def test_control_the_default_fetcher_speaks_https_to_the_listener(
    engagement,
    default_fetcher,
):
    with Listener() as listener:
        url = f"https://127.0.0.1:{listener.port}/probe.css"
        render_html(html_with(f'<link rel="stylesheet" href="{url}">'), engagement)

        assert listener.connections() >= 1


@pytest.mark.parametrize("name", ["link_attachment", "link_stylesheet", "import_url", "img"])
def test_a_redirect_reaches_neither_listener(name, engagement):
    with listeners() as (redirector, target):
        render_html(_vector(name, **_listener_urls(redirector, name)), engagement)

        assert redirector.connections() == 0
        assert target.connections() == 0


@pytest.mark.parametrize("name", ["link_attachment", "link_stylesheet", "import_url", "img"])
def test_control_the_default_fetcher_follows_the_redirect(name, engagement, default_fetcher):
    with listeners() as (redirector, target):
        render_html(_vector(name, **_listener_urls(redirector, name)), engagement)

        assert redirector.connections() >= 1
        assert target.hit_paths() == ["/redirected"]


DATA_CSS = b"html::before { content: 'DATA-CSS-7f3c'; }"


def _data_url(content: bytes, kind: str = "text/plain") -> str:
    return f"data:{kind};base64,{base64.b64encode(content).decode()}"


def _data_urls_html() -> str:
    return html_with(
        f'<link rel="attachment" href="{_data_url(b"DATA-ATTACHMENT-7f3c")}" title="x">'
        f'<link rel="stylesheet" href="{_data_url(DATA_CSS, "text/css")}">'
    )


def test_a_data_url_is_neither_attached_nor_applied(engagement):
    pdf = render_html(_data_urls_html(), engagement)

    assert attachment_names(pdf) == ["handoff.json"]
    assert leak_in(pdf, "DATA-ATTACHMENT-7f3c") is None
    assert leak_in(pdf, "DATA-CSS-7f3c") is None


def test_control_the_default_fetcher_attaches_and_applies_a_data_url(engagement, default_fetcher):
    pdf = render_html(_data_urls_html(), engagement)

    assert len(attachment_names(pdf)) == 2
    assert leak_in(pdf, "DATA-ATTACHMENT-7f3c") is not None
    assert leak_in(pdf, "DATA-CSS-7f3c") is not None


def test_the_json_is_still_attached_and_the_document_renders(tmp_path, engagement):
    canary = make_canary(tmp_path)
    everything = "".join(
        VECTORS[name].format(**canary.urls()) for name in sorted(set(VECTORS) - STOPS_THE_RENDERING)
    )

    pdf = render_html(html_with(f"{everything}<p>STILLHERE</p>"), engagement)

    assert attachment_names(pdf) == ["handoff.json"]
    assert leak_in(pdf, canary.secret) is None
    assert leak_in(pdf, "STILLHERE") is not None
