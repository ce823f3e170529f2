"""Playwright against the system's Debian Chromium; Playwright's own browser downloads are not
used (scripts install `chromium` with apt)."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the test itself still needs the
# ORM (seeding, assertions), which Django refuses inside a running loop unless told it's fine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_PATHS = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = next((p for p in CHROMIUM_PATHS if Path(p).exists()), None)
    if executable is None:
        pytest.fail(
            "No Debian Chromium at " + " or ".join(CHROMIUM_PATHS) + ": run `apt-get install "
            "chromium`, or deselect these tests with -m 'not browser'.",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}


# Chromium reports each Content-Security-Policy violation on the console ("Refused to …") and
# as a `securitypolicyviolation` event; the init script (injected by the browser, so the policy
# does not apply to it) turns the event into a console line too.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + e.documentURI + (e.lineNumber ? ":" + e.lineNumber : ""));
});
"""


def is_csp_violation(text: str) -> bool:
    return text.startswith(("CSP violation:", "Refused to")) or "Content Security Policy" in text


@pytest.fixture
def csp_violations() -> list[str]:
    return []


@pytest.fixture
def context(context, csp_violations):
    """Every browser test fails if a page broke the Content-Security-Policy while it ran."""
    context.add_init_script(script=CSP_LISTENER)
    context.on(
        "console",
        lambda message: (
            csp_violations.append(f"{message.text} ({message.location})")
            if is_csp_violation(message.text)
            else None
        ),
    )
    yield context
    assert csp_violations == [], "Content-Security-Policy violations:\n" + "\n".join(csp_violations)
