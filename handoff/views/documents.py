"""The engagement's "Handoff PDF" page: its generations (queued, running with progress by
section, done with size, pages and SHA-256, failed with the reason), the Generate button (its
consultants), downloads, and the print preview: the very HTML a generation is made from.

Everyone who sees the engagement reads the page, the preview and the downloads: the client's
operators and sponsors and the engagement's consultants (maestro.engagements.scoping); anyone
else gets a 404. Times show in the client's time zone."""

import base64
import hashlib
import re
from urllib.parse import urljoin

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from handoff.document.fetcher import STATIC_PREFIX
from handoff.models import HandoffDocument
from handoff.selectors import documents as selectors
from handoff.services import documents as services
from maestro.engagements.scoping import can_manage_engagement, require_engagement_manager
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.forms import flash_errors
from maestro.lib.jobs import JobStatus

# The print preview shows the document's own HTML: no script at all, nothing from another
# site; only the product's own styles, fonts and images, and the document's own <style>
# elements, each allowed by its hash (preview_policy), never any inline style.
PREVIEW_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'none'"],
}
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.DOTALL | re.IGNORECASE)


def preview_html(html: str) -> str:
    """The document names the product's static files by its fetcher's URLs
    (`maestro:/static/…`), which a browser cannot load: the preview names them by the site's
    static URL instead, so its fonts are the PDF's."""
    return html.replace(STATIC_PREFIX, urljoin("/", settings.STATIC_URL))


def preview_policy(html: str) -> str:
    """PREVIEW_CSP, its style-src naming the SHA-256 of each <style> element of `html` (our
    own template's: runbook HTML is sanitised of them, and text is escaped)."""
    digests = {hashlib.sha256(css.encode()).digest() for css in _STYLE_ELEMENT.findall(html)}
    hashes = sorted(f"'sha256-{base64.b64encode(digest).decode()}'" for digest in digests)
    policy = {**PREVIEW_CSP, "style-src": [*PREVIEW_CSP["style-src"], *hashes]}
    return "; ".join(f"{name} {' '.join(values)}" for name, values in policy.items())


def document_file_response(document: HandoffDocument) -> FileResponse:
    """The stored PDF of a finished generation, as a download named after the client, the
    engagement and the version, with its SHA-256 (RFC 9530 Repr-Digest); Http404 for one not
    (or no longer) available. The caller scoped `document` to the user."""
    if document.status != JobStatus.SUCCEEDED or not document.file:
        raise Http404("This generation has no file.")
    try:
        stream = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file of this generation is missing from storage.") from None
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=services.download_filename(document),
        content_type="application/pdf",
    )
    digest = base64.b64encode(bytes.fromhex(document.sha256)).decode()
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def documents(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    generations = list(selectors.document_list(engagement=engagement))
    for document in generations:
        document.progress = selectors.document_progress(document)  # type: ignore[attr-defined]
    with timezone.override(engagement.client.tzinfo):
        return render(
            request,
            "handoff/documents.html",
            {
                "engagement": engagement,
                "documents": generations,
                "in_flight": selectors.document_in_flight(generations),
                "can_manage": can_manage_engagement(request.user, engagement),
            },
        )


@login_required
@require_POST
def document_generate(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    require_engagement_manager(
        request.user, engagement, message=services.CONSULTANTS_ONLY, page=True
    )
    with flash_errors(request) as call:
        document = services.handoff_document_request(engagement=engagement, actor=request.user)
    if call.ok:
        messages.success(
            request,
            _("Version %(version)d of the handoff PDF is being generated; this page follows it.")
            % {"version": document.version},
        )
    return redirect("handoff:documents", engagement_id=engagement.pk)


@login_required
@require_safe
def document_download(request, document_id: int):
    return document_file_response(
        selectors.document_get_for_user(user=request.user, pk=document_id)
    )


@login_required
@require_safe
def document_preview(request, engagement_id: int):
    """The HTML the next generation would be made from (no version yet), as the PDF lays it
    out for print; the browser's print dialog gives a close approximation of the PDF."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    with timezone.override(engagement.client.tzinfo):
        try:
            built = services.document_preview_build(engagement=engagement)
        except services.DocumentTooLarge as exc:
            return HttpResponse(
                exc.message, content_type="text/plain; charset=utf-8", status=exc.status_code
            )
    html = preview_html(built.html)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response[str(CSP.HEADER_ENFORCE)] = preview_policy(html)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
