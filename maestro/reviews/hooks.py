"""Hooks through which the apps above reviews follow review tasks, without reviews importing them.

Skill transfer (handoff/) puts some escalated decisions of an engagement in handoff into shadow
mode as their tasks open, records the operator's answer when the task is resolved, and marks
those tasks on the queue and task pages. The composition layer registers the receivers at
startup (maestro/composition/apps.py).

The "opened" receivers run inside the intake's transaction, on its hot path: a receiver must
cost nothing (or one cheap query per batch) when it has nothing to do.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from maestro.engagements.models import Engagement
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import User


class OpenedReceiver(Protocol):
    def __call__(self, *, engagement: Engagement, tasks: Sequence[ReviewTask]) -> Any: ...


class ResolvedReceiver(Protocol):
    def __call__(self, *, task: ReviewTask, by: User) -> Any: ...


@dataclass(frozen=True)
class TaskMark:
    """What a list row or the task page shows about a task for one viewer: a badge, and
    whether the task's outcome is hidden from this viewer (a blind second answer pending)."""

    label: str = ""
    hide_outcome: bool = False


TaskMarks = Callable[[Sequence[ReviewTask], User], Mapping[int, TaskMark]]
TaskPanel = Callable[[ReviewTask, User], Mapping[str, Any]]

_opened: list[OpenedReceiver] = []
_resolved: list[ResolvedReceiver] = []
_marks: list[TaskMarks] = []
_panels: list[TaskPanel] = []


def on_review_tasks_opened(receiver: OpenedReceiver) -> None:
    """Run `receiver(engagement=..., tasks=[new tasks])` in the transaction that opened them
    (the intake's, for escalated decisions). Registering the same receiver twice is harmless."""
    if receiver not in _opened:
        _opened.append(receiver)


def review_tasks_opened(*, engagement: Engagement, tasks: Sequence[ReviewTask]) -> None:
    if not tasks:
        return
    for receiver in _opened:
        receiver(engagement=engagement, tasks=tasks)


def on_review_task_resolved(receiver: ResolvedReceiver) -> None:
    """Run `receiver(task=..., by=...)` in `review_task_resolve`'s transaction, after the
    task's outcome is saved."""
    if receiver not in _resolved:
        _resolved.append(receiver)


def review_task_resolved(*, task: ReviewTask, by: User) -> None:
    for receiver in _resolved:
        receiver(task=task, by=by)


def on_review_task_marks(provider: TaskMarks) -> None:
    """Register `provider(tasks, viewer)` → {task id: TaskMark} for the tasks it marks; called
    once per list page (one query at most, whatever the page's length)."""
    if provider not in _marks:
        _marks.append(provider)


def review_task_marks(*, tasks: Iterable[ReviewTask], user: User) -> dict[int, TaskMark]:
    tasks = list(tasks)
    marks: dict[int, TaskMark] = {}
    if not tasks:
        return marks
    for provider in _marks:
        marks.update(provider(tasks, user))
    return marks


def on_review_task_page(provider: TaskPanel) -> None:
    """Register `provider(task, viewer)` → {"template": ..., "hide_outcome": bool, ...}, a
    panel the task page includes (with the dict as its context); an empty dict adds none."""
    if provider not in _panels:
        _panels.append(provider)


def review_task_panels(*, task: ReviewTask, user: User) -> list[Mapping[str, Any]]:
    return [panel for provider in _panels if (panel := provider(task, user))]
