"""The handoff PDF's Celery tasks.

`handoff_document_generate_task` runs on its own queue, `pdf` (CELERY_TASK_ROUTES in settings),
consumed by a worker of its own: prefork, one process at a time, replaced once it grows past
--max-memory-per-child (Procfile.dev, README "Handoff PDF"). The task carries the model's soft
and hard time limits. Inside, the service bounds the render's time and memory in a child
process; what still escapes it (the hard time limit killing the worker's process, or that
process dying) is failed at once by the worker's main process through `task_failure`, and
otherwise by the periodic recovery.
"""

from billiard.exceptions import WorkerLostError
from celery import shared_task
from celery.exceptions import TimeLimitExceeded
from celery.signals import task_failure

from handoff.models import HandoffDocument

GENERATE_TASK = "handoff.tasks_documents.handoff_document_generate_task"


@shared_task(
    name=GENERATE_TASK,
    ignore_result=True,
    soft_time_limit=HandoffDocument.SOFT_TIME_LIMIT,
    time_limit=HandoffDocument.TIME_LIMIT,
)
def handoff_document_generate_task(document_id: int) -> None:
    from handoff.services.documents import handoff_document_generate

    handoff_document_generate(document_id=document_id)


@shared_task(ignore_result=True)
def handoff_documents_recover_task() -> None:
    from handoff.services.documents import handoff_documents_recover

    handoff_documents_recover()


@task_failure.connect
def handoff_document_generation_lost(
    sender=None, exception=None, args=None, kwargs=None, **extra
) -> None:
    """Sent in the worker's main process when the hard time limit killed the task's process or
    that process died (and in the task's process for any other error, which the service has
    already recorded)."""
    if getattr(sender, "name", None) != GENERATE_TASK:
        return
    if not isinstance(exception, TimeLimitExceeded | WorkerLostError):
        return
    document_id = (list(args or []) or [(kwargs or {}).get("document_id")])[0]
    if document_id is None:
        return
    from handoff.services.documents import handoff_document_lost

    over_time = isinstance(exception, TimeLimitExceeded)
    handoff_document_lost(
        document_id=int(document_id),
        # The limit the worker applied (the task's, unless the message carried its own).
        over_time_limit=_seconds(exception.args[0] if exception.args else None)
        if over_time
        else None,
    )


def _seconds(value) -> int:
    try:
        return round(float(value))
    except (TypeError, ValueError):
        return HandoffDocument.TIME_LIMIT
