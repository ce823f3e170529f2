"""Diffs between two versions of a body: a unified text diff (the API) and a readable table of
the changes (the pages). Bodies are hostile Markdown: every line is escaped here, and the only
markup is the table's own and the <del>/<ins> marks around changed words."""

import difflib
import html
import re

# Words and the runs of space between them: a change is marked word by word, never mid-word.
TOKEN = re.compile(r"\s+|[^\s]+")
# Beyond this many characters in a changed pair of lines, the whole line is marked (the
# word-level match is quadratic in the worst case).
WORD_DIFF_MAX = 5_000


def diff_unified(old: str, new: str, *, old_label: str, new_label: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), old_label, new_label, lineterm=""
    )
    return "\n".join(lines)


def _words(old: str, new: str) -> tuple[str, str]:
    """Both lines escaped, the words only one side has wrapped in <del> (old) / <ins> (new)."""
    if len(old) + len(new) > WORD_DIFF_MAX:
        return (
            f"<del>{html.escape(old)}</del>" if old else "",
            f"<ins>{html.escape(new)}</ins>" if new else "",
        )
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    left: list[str] = []
    right: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        was, now = html.escape("".join(a[i1:i2])), html.escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(was)
            right.append(now)
            continue
        if was:
            left.append(f"<del>{was}</del>")
        if now:
            right.append(f"<ins>{now}</ins>")
    return "".join(left), "".join(right)


def _row(kind: str, old_no: int | None, old: str, new_no: int | None, new: str) -> str:
    names = {"equal": "unchanged", "delete": "removed", "insert": "added", "replace": "changed"}
    cells = []
    for side, no, text in (("old", old_no, old), ("new", new_no, new)):
        empty = " empty" if no is None else ""
        cells.append(f'<td class="no {side}{empty}">{"" if no is None else no}</td>')
        cells.append(f'<td class="line {side}{empty}">{text}</td>')
    return f'<tr class="{kind}" title="{names[kind]}">{"".join(cells)}</tr>'


def diff_table(old: str, new: str, *, old_label: str, new_label: str, context: int = 3) -> str:
    """The changes as an HTML table, old on the left and new on the right (stacked on a narrow
    screen by CSS), in hunks with `context` unchanged lines around each; changed lines mark
    their changed words. "" when the texts are the same."""
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    hunks = list(matcher.get_grouped_opcodes(context))
    if not any(op != "equal" for hunk in hunks for op, *_ in hunk):
        return ""
    old_label, new_label = html.escape(old_label), html.escape(new_label)
    parts = [
        '<table class="diff">',
        f'<caption class="sr-only">Changes from {old_label} to {new_label}</caption>',
        '<colgroup><col class="no"><col class="line"><col class="no"><col class="line"></colgroup>',
        f'<thead><tr><th scope="col" colspan="2">{old_label}</th>'
        f'<th scope="col" colspan="2">{new_label}</th></tr></thead>',
    ]
    for hunk in hunks:
        first, last = hunk[0], hunk[-1]
        parts.append(
            '<tbody><tr class="hunk"><th colspan="4" scope="rowgroup">'
            f"Lines {first[1] + 1}–{last[2]} → {first[3] + 1}–{last[4]}</th></tr>"
        )
        for op, i1, i2, j1, j2 in hunk:
            if op == "equal":
                for k in range(i2 - i1):
                    line = html.escape(a[i1 + k])
                    parts.append(_row("equal", i1 + k + 1, line, j1 + k + 1, line))
            elif op == "replace":
                for k in range(max(i2 - i1, j2 - j1)):
                    i, j = i1 + k, j1 + k
                    was = a[i] if i < i2 else None
                    now = b[j] if j < j2 else None
                    if was is not None and now is not None:
                        left, right = _words(was, now)
                        parts.append(_row("replace", i + 1, left, j + 1, right))
                    elif was is not None:
                        parts.append(_row("delete", i + 1, f"<del>{html.escape(was)}</del>",
                                          None, ""))  # fmt: skip
                    else:
                        parts.append(_row("insert", None, "", j + 1,
                                          f"<ins>{html.escape(now or '')}</ins>"))  # fmt: skip
            elif op == "delete":
                for i in range(i1, i2):
                    parts.append(_row("delete", i + 1, f"<del>{html.escape(a[i])}</del>", None, ""))
            else:
                for j in range(j1, j2):
                    parts.append(_row("insert", None, "", j + 1, f"<ins>{html.escape(b[j])}</ins>"))
        parts.append("</tbody>")
    parts.append("</table>")
    return "".join(parts)
