"""README "Integrating an agent", run as written: every shell command of the section, in order,
against the real API (the test client), on an empty database. A documented answer (the ```json
block after a command) must match the real one: its keys, and its values except integers (ids
differ from run to run). So the walkthrough cannot drift from the API.

The shell the section uses, and nothing more, is understood here: `export NAME=value`,
`NAME=value`, `NAME=$(curl … | jq -r .field)`, `curl -s [-X METHOD] [-H 'Header: value']…
[-d 'body'] URL`, and `[NAME=value…] .venv/bin/python manage.py <command> <arguments>`; `\\` at
the end of a line continues it, `$NAME` expands outside single quotes."""

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from maestro.decisions.models import Decision
from maestro.reviews.models import ReviewTask

pytestmark = pytest.mark.django_db(transaction=False)

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Integrating an agent"
BLOCK = re.compile(r"^```(sh|json)\n(.*?)^```$", re.S | re.M)
CAPTURE = re.compile(r"^(\w+)=\$\((.*)\|\s*jq -r (\.[\w.]+)\)$", re.S)
VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")


def _section() -> str:
    text = README.read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end if end != -1 else None]


def _commands(block: str) -> list[str]:
    """The block's commands: lines end a command outside quotes, `\\` + newline continues it."""
    commands, current, quote, i = [], "", None, 0
    while i < len(block):
        char = block[i]
        if quote is None and char == "\\" and block[i + 1 : i + 2] == "\n":
            i += 2
            continue
        if quote is None and char == "\n":
            if current.strip() and not current.lstrip().startswith("#"):
                commands.append(current.strip())
            current = ""
        else:
            if char in "'\"" and quote in (None, char):
                quote = None if quote == char else char
            current += char
        i += 1
    if current.strip() and not current.lstrip().startswith("#"):
        commands.append(current.strip())
    return commands


def _expand(command: str, env: dict[str, str]) -> str:
    """$NAME and ${NAME} outside single quotes, as the shell does."""
    out, quote, i = "", None, 0
    while i < len(command):
        char = command[i]
        if char in "'\"" and quote in (None, char):
            quote = None if quote == char else char
        if char == "$" and quote != "'":
            found = VARIABLE.match(command, i)
            if found:
                name = found.group(1) or found.group(2)
                assert name in env, f"${name} is used before it is set"
                out += env[name]
                i = found.end()
                continue
        out += char
        i += 1
    return out


def _jq(answer, path: str) -> str:
    for key in path.strip(".").split("."):
        answer = answer[key]
    assert answer is not None, f"jq -r {path} would print null"
    return str(answer)


def _curl(words: list[str], api: APIClient) -> tuple[int, object]:
    method, headers, bodies, url = None, {}, [], None
    words = iter(words[1:])
    for word in words:
        if word == "-s":
            continue
        if word == "-X":
            method = next(words)
        elif word == "-H":
            name, _sep, value = next(words).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            bodies.append(next(words))
        elif not word.startswith("-") and url is None:
            url = word
        else:
            raise AssertionError(f"curl {word}: not understood by this test")
    assert url, "curl without a URL"
    method = method or ("POST" if bodies else "GET")
    content_type = headers.pop("Content-Type", "application/x-www-form-urlencoded")
    body = "&".join(bodies)
    if content_type == "application/json" and body:
        json.loads(body)  # what the README sends is valid JSON
    path = urlsplit(url)._replace(scheme="", netloc="").geturl()
    answer = api.generic(method, path, body, content_type=content_type, headers=headers)
    return answer.status_code, answer.json() if answer.content else None


def _manage(words: list[str], monkeypatch) -> None:
    while "=" in words[0] and not words[0].startswith(("-", ".")):
        name, _sep, value = words.pop(0).partition("=")
        monkeypatch.setenv(name, value)
    assert words[0].endswith("python") and words[1] == "manage.py", words
    call_command(*words[2:])


def _run(command: str, env: dict[str, str], api: APIClient, monkeypatch) -> object:
    """Run one command; the answer of a curl (None for anything else)."""
    captured = CAPTURE.match(command)
    if captured:
        name, inner, path = captured.groups()
        answer = _run(inner.strip(), env, api, monkeypatch)
        env[name] = _jq(answer, path)
        return answer
    words = shlex.split(_expand(command, env))
    if words[0] == "export":
        words = words[1:]
    if len(words) == 1 and re.fullmatch(r"\w+=.*", words[0], re.S):
        name, _sep, value = words[0].partition("=")
        env[name] = value
        return None
    if words[0] == "curl":
        status, answer = _curl(words, api)
        assert 200 <= status < 300, f"{command}\nanswered {status}: {answer}"
        return answer
    _manage(words, monkeypatch)
    return None


def _matches(documented, real, where="answer") -> None:
    """The documented answer is part of the real one: same keys (a subset of them), same values
    except integers (ids); lists item by item."""
    if isinstance(documented, dict):
        assert isinstance(real, dict), f"{where}: {real!r} is not an object"
        for key, value in documented.items():
            assert key in real, f"{where}: no {key!r} in {real!r}"
            _matches(value, real[key], f"{where}.{key}")
    elif isinstance(documented, list):
        assert isinstance(real, list) and len(real) == len(documented), f"{where}: {real!r}"
        for index, (value, actual) in enumerate(zip(documented, real, strict=True)):
            _matches(value, actual, f"{where}[{index}]")
    elif isinstance(documented, int) and not isinstance(documented, bool):
        assert isinstance(real, int) and not isinstance(real, bool), f"{where}: {real!r}"
    else:
        assert documented == real, f"{where}: the README says {documented!r}, the API {real!r}"


def test_the_readme_walkthrough_runs_as_written(monkeypatch):
    blocks = BLOCK.findall(_section())
    assert [kind for kind, _text in blocks].count("sh") >= 8
    env: dict[str, str] = {}
    api = APIClient()
    last = None
    for kind, text in blocks:
        if kind == "sh":
            for command in _commands(text):
                last = _run(command, env, api, monkeypatch)
        else:
            _matches(json.loads(text), last)

    # What the walkthrough leaves behind: two decisions of the agent, one routed each way, the
    # human one waiting in a review task, the auto one with its confirmed outcome.
    decisions = {d.case_ref: d for d in Decision.objects.all()}
    assert {ref: d.route for ref, d in decisions.items()} == {"PO-1001": "auto", "PO-1002": "human"}
    assert decisions["PO-1001"].final_outcome == "approve"
    assert ReviewTask.objects.get(decision=decisions["PO-1002"]).status == "open"


def test_the_shell_reading_of_this_test():
    """The bits of shell the walkthrough relies on, read as bash reads them."""
    block = "A=1 \\\n  B='x\ny' # not a comment\n# a comment\ncurl -d '{\"n\": '$A'}' \\\n  $U\n"
    assert _commands(block) == ["A=1   B='x\ny' # not a comment", "curl -d '{\"n\": '$A'}'   $U"]
    assert _expand("""-d '{"n": '$A'}' "$B" '$C'""", {"A": "7", "B": "b"}) == (
        """-d '{"n": '7'}' "b" '$C'"""
    )
    assert shlex.split(_expand("""-d '{"n": '$A'}'""", {"A": "7"})) == ["-d", '{"n": 7}']
