"""WeasyPrint in a throwaway child process with a wall-clock limit and a memory bound.

The handoff PDF's job (handoff.services.documents) gathers the engagement's data in its worker,
then turns the HTML into a PDF here, in a child of a fork server (started once per worker
process, with Django and WeasyPrint already loaded: a child starts in milliseconds). The child
lowers its own address-space limit (RLIMIT_AS) before rendering, and is killed when its time is
up. Whatever happens to it, the worker survives and records a clear reason on the job.

Why a child and not RLIMIT_AS on the Celery worker itself: WeasyPrint draws text through
Pango, GLib and HarfBuzz, and GLib aborts the whole process when an allocation fails; a limit on
the worker would kill it mid-task (and with it the chance to say why), and it would also bound
Celery's and Django's own allocations. Here only the child dies, and the parent sees it.

Fonts: the child's fontconfig knows the product's shipped fonts only (static/fonts/), with a
cache folder of its own, made and removed by the parent for each render. Under a tight address
space fontconfig can fail to map a cache file, rescan, find no font it can open, and write that
empty result back; with the system's configuration it would write it into the machine's shared
cache (/var/cache/fontconfig), leaving every program there without fonts (browsers crash,
WeasyPrint in other processes segfaults). It also keeps the system-font lottery out of the PDF.

The child touches no database: the rendered document and its source (the engagement with its
client loaded) are pickled to it, and it answers the PDF's bytes and page count.
"""

import contextlib
import logging
import os
import pickle
import resource
import shutil
import signal
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import billiard
from django.conf import settings
from django.utils.translation import gettext as _

from maestro.exceptions import DomainError

log = logging.getLogger(__name__)

MIB = 1024 * 1024

_context_lock = threading.Lock()
_context: Any = None


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    page_count: int


class RenderRefused(DomainError):
    """The render went over a limit or failed; `code` says which: `render_too_slow`,
    `render_out_of_memory`, `render_failed`."""


def _fork_server() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            # billiard's (Celery's multiprocessing): a Celery prefork worker's process counts as
            # a daemon for the standard library's, which would refuse to start a child there.
            context = billiard.get_context("forkserver")
            context.set_forkserver_preload(["handoff.services.pdf_preload"])
            _context = context
        return _context


def fontconfig_private(folder: Path) -> Path:
    """Write, in `folder`, a fontconfig configuration that knows only the shipped fonts and
    caches into `folder`; returns its path (for FONTCONFIG_FILE)."""
    fonts = Path(settings.BASE_DIR) / "static" / "fonts"
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><dir>{escape(str(fonts))}</dir>"
        f"<cachedir>{escape(str(folder))}</cachedir></fontconfig>\n"
    )
    return conf


def _child(conn, payload: bytes, memory_bytes: int, fontconfig_file: str) -> None:
    """Runs in the child: bound the address space, render, answer (status, value)."""
    try:
        # Read by fontconfig each time WeasyPrint builds its font configuration.
        os.environ["FONTCONFIG_FILE"] = fontconfig_file
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        import django
        from django.apps import apps

        if not apps.ready:  # a fork server started without the preload (another caller's)
            django.setup()
        # WeasyPrint logs each step and page at INFO: noise in the worker's log.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
        import io

        import pypdf

        from handoff.document.render import document_pdf

        built, source = pickle.loads(payload)
        del payload
        content = document_pdf(built, source)
        pages = len(pypdf.PdfReader(io.BytesIO(content)).pages)
        conn.send(("ok", (content, pages)))
    except MemoryError:
        # The big allocations are gone once the exception unwound: a short answer fits.
        conn.send(("memory", None))
    except BaseException as exc:  # noqa: BLE001 - the parent logs it and fails the job
        import traceback

        conn.send(("error", "".join(traceback.format_exception(exc))[-4000:]))
    finally:
        conn.close()


def _out_of_memory(memory_mb: int) -> RenderRefused:
    return RenderRefused(
        _(
            "Rendering the PDF needed more than %(mb)d MB of memory, the limit "
            "(HANDOFF_PDF_RENDER_MEMORY_MB), so it was stopped. The engagement's content is "
            "too large to print at once: shorten its longest runbooks or ask an administrator "
            "to raise the limit."
        )
        % {"mb": memory_mb},
        code="render_out_of_memory",
    )


def pdf_render_bounded(built: Any, source: Any, *, seconds: float, memory_mb: int) -> RenderedPdf:
    """`document_pdf(built, source)` in a child process, stopped after `seconds` and bounded to
    `memory_mb` MB of address space (0: no bound); RenderRefused if it did not finish."""
    context = _fork_server()
    receiver, sender = context.Pipe(duplex=False)
    payload = pickle.dumps((built, source))
    fonts_folder = Path(tempfile.mkdtemp(prefix="maestro-pdf-fonts-"))
    fontconfig_file = str(fontconfig_private(fonts_folder))
    process = context.Process(
        target=_child,
        args=(sender, payload, memory_mb * MIB, fontconfig_file),
        daemon=True,
        name="handoff-pdf",
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise RenderRefused(
                _(
                    "Rendering the PDF took longer than %(s)s seconds, the limit "
                    "(HANDOFF_PDF_RENDER_TIME_LIMIT), so it was stopped. Try again later; if it "
                    "happens again, the engagement's content is too large to print at once."
                )
                % {"s": f"{seconds:g}"},
                code="render_too_slow",
            )
        try:
            status, value = receiver.recv()
        except EOFError:
            # The child died without answering: killed, or aborted by a native library that
            # could not allocate under the limit.
            process.join(5)
            log.warning("handoff PDF render child died (exit code %s)", process.exitcode)
            if memory_mb:
                raise _out_of_memory(memory_mb) from None
            raise RenderRefused(
                _("Rendering the PDF stopped unexpectedly; try again."), code="render_failed"
            ) from None
    finally:
        receiver.close()
        if process.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)  # WeasyPrint may be deep in native code
        process.join()
        shutil.rmtree(fonts_folder, ignore_errors=True)
    if status == "memory":
        raise _out_of_memory(memory_mb)
    if status == "error":
        log.error("handoff PDF render failed in its child:\n%s", value)
        raise RenderRefused(
            _("Rendering the PDF failed on an unexpected error; try again."), code="render_failed"
        )
    content, pages = value
    return RenderedPdf(content=content, page_count=pages)
