# The agent, process and playbook fixtures are the decisions app's (tests/decisions/conftest.py).
from tests.decisions.conftest import (  # noqa: F401
    agent_a,
    key_a,
    playbook_a,
    process_a,
)
