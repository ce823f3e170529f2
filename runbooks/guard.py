"""Runbook renders from a request, in a child process with a time limit.

`rendering.render_body` bounds the work of every shape we know to be expensive, but it is
Python-Markdown underneath: a shape nobody found yet must not stall a web process. A render
runs in a child of a fork server (started once per web process, with the renderer already
imported) and is killed after RUNBOOK_RENDER_TIME_LIMIT seconds; the caller gets a
DomainError with a stable code instead.
"""

import multiprocessing
import threading
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from maestro.exceptions import DomainError
from runbooks import rendering

_context_lock = threading.Lock()
_context: Any = None


def _fork_server() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["runbooks.rendering"])
            _context = context
        return _context


def _child(conn, target: Callable, args: tuple, kwargs: dict) -> None:
    try:
        conn.send(("ok", target(*args, **kwargs)))
    except rendering.RenderRefused as exc:
        conn.send(("refused", (exc.message, exc.code)))
    finally:
        conn.close()


class RenderTooSlow(DomainError):
    """A render cut off by the time limit (400, code `render_too_slow`)."""


def run_with_time_limit(target: Callable, *args, seconds: float, **kwargs) -> Any:
    """`target(*args, **kwargs)` (a module-level function) in a child process; RenderTooSlow
    if it has not answered within `seconds`. RenderRefused from the child is raised here."""
    if multiprocessing.current_process().daemon:
        # A daemonic process may not start children; no web process is one.
        return target(*args, **kwargs)
    context = _fork_server()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, target, args, kwargs), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise RenderTooSlow(
                _(
                    "Rendering this body took longer than %(s)s seconds, so it was stopped. "
                    "Split very long paragraphs or lists, or remove repeated markup."
                )
                % {"s": f"{seconds:g}"},
                code="render_too_slow",
            )
        try:
            status, value = receiver.recv()
        except EOFError as exc:  # the child died (out of memory, killed)
            raise RenderTooSlow(
                _("Rendering this body failed; it was stopped."), code="render_failed"
            ) from exc
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
    if status == "refused":
        raise rendering.RenderRefused(value[0], code=value[1])
    return value


def render_guarded(text: str, *, titles: Mapping[str, str] | None = None) -> rendering.Rendered:
    """rendering.render_body under the time limit. A refused shape or a render cut off is a
    DomainError (400) whose code says which: `body_too_long`, `body_too_deep`,
    `render_too_slow`."""
    try:
        return run_with_time_limit(
            rendering.render_body,
            text,
            titles=dict(titles or {}),
            seconds=settings.RUNBOOK_RENDER_TIME_LIMIT,
        )
    except rendering.RenderRefused as exc:
        raise DomainError(exc.message, code=exc.code) from exc
