from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from maestro.demo.people import DEMO_PEOPLE


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_twice_leaves_identical_row_counts():
    call_command("seed_demo", stdout=StringIO())
    first = _row_counts()

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert _row_counts() == first
    assert first["tenancy.User"] == len(DEMO_PEOPLE)
    assert all(username in out.getvalue() for username, *_ in DEMO_PEOPLE)
