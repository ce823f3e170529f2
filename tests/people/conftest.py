"""People tests: `world` (tests/conftest.py) plus helpers to send invitations and read the
mailed link, as the invitee would."""

import re

import pytest
from django.core import mail

from maestro.people.services import invitation_create

# A password the validators accept (long, not common, not numeric, unlike the usernames).
GOOD_PASSWORD = "tangerine-otter-57"
LINK = re.compile(r"https?://[^/\s]+(/invitations/accept/([^/\s]+)/)")


def last_link() -> tuple[str, str]:
    """(path, token) of the link in the last mail sent."""
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1), match.group(2)


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """invite(client, email, role, by) → (invitation, path, token), the mail sent."""

    def send(client, email, role, by):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invitation_create(client=client, email=email, role=role, by=by)
        path, token = last_link()
        return invitation, path, token

    return send
