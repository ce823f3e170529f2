"""The render child's fonts: the shipped ones only, cached in a folder of its own, never in
the machine's shared fontconfig cache."""

import io
from pathlib import Path

import pypdf
import pytest
from django.conf import settings

from handoff.document.render import BuiltDocument
from handoff.document.source import DocumentSource
from handoff.services.pdf_render import fontconfig_private, pdf_render_bounded

pytestmark = pytest.mark.django_db

# The shipped families, as a PDF names their fonts ("IBM-Plex-Sans", "DejaVuSans-Bold").
SHIPPED_FAMILIES = ("IBMPlexSans", "IBMPlexMono", "DejaVuSans")


def test_the_private_configuration_knows_the_shipped_fonts_and_its_own_cache_only(tmp_path):
    conf = fontconfig_private(tmp_path).read_text()

    assert f"<dir>{Path(settings.BASE_DIR) / 'static' / 'fonts'}</dir>" in conf
    assert f"<cachedir>{tmp_path}</cachedir>" in conf
    assert conf.count("<dir>") == 1 and conf.count("<cachedir>") == 1
    assert "<include" not in conf  # not the system's folders, nor its shared cache


def test_the_child_draws_system_font_families_with_a_shipped_font(world):
    # The machine has DejaVu Serif; the system's configuration would embed it here.
    built = BuiltDocument(
        html='<html><body><p style="font-family: serif">Serif asked for</p></body></html>',
        data={},
        title="Fonts",
    )
    source = DocumentSource(engagement=world.engagement_a, version=1)

    rendered = pdf_render_bounded(built, source, seconds=120, memory_mb=0)

    reader = pypdf.PdfReader(io.BytesIO(rendered.content))
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+", 1)[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert "Serif asked for" in reader.pages[0].extract_text()
    assert fonts
    for font in fonts:
        name = font.replace("-", "")
        assert name.startswith(SHIPPED_FAMILIES) and "Serif" not in name, font
