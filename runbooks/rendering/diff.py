"""Diffs between two versions of a body."""

import difflib
import html


def diff_unified(old: str, new: str, *, old_label: str, new_label: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), old_label, new_label, lineterm=""
    )
    return "\n".join(lines)


def diff_table(old: str, new: str, *, old_label: str, new_label: str) -> str:
    """A side-by-side HTML table of the changes with three lines of context. difflib escapes
    the lines itself (& < >); the labels are escaped here."""
    differ = difflib.HtmlDiff(tabsize=4, wrapcolumn=70)
    return differ.make_table(
        old.splitlines(),
        new.splitlines(),
        html.escape(old_label),
        html.escape(new_label),
        context=True,
        numlines=3,
    )
