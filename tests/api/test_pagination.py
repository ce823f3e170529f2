"""Every paginated list reads `?page=` and `?page_size=` the same way (maestro/api.py
Pagination): garbage is a 400 naming the parameter, a page past the last is a 404, and a
page size above the maximum is capped."""

import pytest

from maestro.api import Pagination
from tests.conftest import client_for
from tests.engagements.factories import EngagementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_engagements(world):
    for name in ("C agents", "D agents"):
        EngagementFactory(client=world.client_a, lead=world.consultant, name=name)
    return client_for(world.consultant)


@pytest.mark.parametrize(
    "query",
    ["page_size=abc", "page_size=0", "page_size=-1", "page_size=1.5", "page_size=%EF%BC%92"],
)
def test_invalid_page_size_is_a_400_naming_it(three_engagements, query):
    r = three_engagements.get(f"/api/engagements/?{query}")
    assert r.status_code == 400, r.content
    assert list(r.json()) == ["page_size"]


@pytest.mark.parametrize("query", ["page=abc", "page=0", "page=-1", "page=1e3", "page=%201"])
def test_invalid_page_is_a_400_naming_it(three_engagements, query):
    r = three_engagements.get(f"/api/engagements/?{query}")
    assert r.status_code == 400, r.content
    assert list(r.json()) == ["page"]


def test_page_size_is_applied_and_capped(three_engagements, monkeypatch):
    r = three_engagements.get("/api/engagements/?page_size=2&page=2")
    assert r.status_code == 200
    assert (r.json()["count"], len(r.json()["results"])) == (3, 1)
    monkeypatch.setattr(Pagination, "max_page_size", 2)
    r = three_engagements.get("/api/engagements/?page_size=10000")
    assert r.status_code == 200
    assert (r.json()["count"], len(r.json()["results"])) == (3, 2)


def test_page_past_the_last_is_a_404_with_a_code(three_engagements):
    r = three_engagements.get("/api/engagements/?page_size=2&page=3")
    assert r.status_code == 404
    assert r.json()["code"] == "invalid_page"
    assert "the last page is 2" in r.json()["detail"]


def test_last_and_empty_values_mean_what_they_say(three_engagements):
    r = three_engagements.get("/api/engagements/?page_size=2&page=last")
    assert (r.status_code, len(r.json()["results"])) == (200, 1)
    r = three_engagements.get("/api/engagements/?page=&page_size=")
    assert (r.status_code, len(r.json()["results"])) == (200, 3)
