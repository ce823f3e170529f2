"""The task-list items of a body (a run's checklist)."""

import re

from runbooks.rendering.bounds import FENCE

TASK_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]\s+(?P<text>\S.*)$")


def task_items(text: str) -> list[str]:
    """The task-list items of a body, in order, as plain text (outside fenced code)."""
    items, in_fence = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        m = None if in_fence else TASK_LINE.match(line)
        if m:
            items.append(m.group("text").strip()[:500])
    return items
