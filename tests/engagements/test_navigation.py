"""The engagement's section navigation: each role is offered the pages it may open, and only
those; every link it is offered opens and shows the same row with itself marked current."""

import pytest
from django.urls import reverse

from tests.engagements.test_views import select, text

pytestmark = pytest.mark.django_db

URL_NAMES = {
    "overview": "engagements:detail",
    "summary": "engagements:summary",
    "processes": "mapping:process_list",
    "decision-types": "mapping:decision_type_list",
    "training": "training:overview",
    "decisions": "decisions:list",
    "monitoring": "monitoring:engagement",
    "review-tasks": "reviews:engagement-tasks",
    "edge-cases": "reviews:edge-cases",
    "agreement": "handoff:agreement",
    "alerts": "monitoring:alerts",
    "runbooks": "runbooks:list",
    "skill-transfer": "handoff:plans",
    "handoff": "handoff:handoff",
    "handoff-pdf": "handoff:documents",
    "webhooks": "webhooks:list",
    "api-keys": "decisions:api-keys",
    "activity": "engagements:activity",
}
# The API keys page is a 403 for everyone but the engagement's consultants (and staff); every
# other section is open to all who see the engagement (operators work tasks, sponsors watch).
OFFERED = {
    "consultant": set(URL_NAMES),
    "staff": set(URL_NAMES),
    "operator": set(URL_NAMES) - {"api-keys"},
    # Sponsors read results: no consultant tooling (the webhooks page stays readable, unlinked).
    "sponsor": set(URL_NAMES) - {"api-keys", "webhooks"},
}
UNLINKED = {"sponsor": {"webhooks"}}


def _user(world, role: str):
    return {
        "consultant": world.consultant,
        "staff": world.staff,
        "operator": world.operator_a,
        "sponsor": world.sponsor_a,
    }[role]


def _nav_links(response) -> list[tuple[str, str, str | None]]:
    """(href, text, aria-current) of each link in the engagement's section navigation."""
    (nav,) = select(response, 'nav[aria-label="Engagement sections"]')
    return [(a.get("href"), text(a), a.get("aria-current")) for a in nav.iter("a")]


@pytest.mark.parametrize("role", OFFERED)
def test_each_role_is_offered_the_sections_it_may_open_and_no_others(client, world, role):
    engagement = world.engagement_a
    client.force_login(_user(world, role))

    response = client.get(reverse("engagements:detail", args=[engagement.pk]))

    assert response.status_code == 200
    links = _nav_links(response)
    expected = {reverse(URL_NAMES[key], args=[engagement.pk]) for key in OFFERED[role]}
    assert {href for href, _text, _current in links} == expected
    assert len(links) == len(expected)
    for key in set(URL_NAMES) - OFFERED[role]:
        # What is not offered does not open, but tooling kept out of a sponsor's way.
        status = 200 if key in UNLINKED.get(role, ()) else 403
        assert client.get(reverse(URL_NAMES[key], args=[engagement.pk])).status_code == status
    for href, _label, _current in links:
        page = client.get(href)
        assert page.status_code == 200, href
        # The section page shows the same row, with itself as the current page.
        on_page = _nav_links(page)
        assert [link[:2] for link in on_page] == [link[:2] for link in links]
        assert [h for h, _label, current in on_page if current == "page"] == [href]


def test_the_overview_is_marked_as_the_current_section_and_labels_are_in_order(client, world):
    client.force_login(world.consultant)

    links = _nav_links(client.get(reverse("engagements:detail", args=[world.engagement_a.pk])))

    assert [label for _href, label, _current in links] == [
        "Overview",
        "Summary",
        "Process maps",
        "Decision types",
        "Training",
        "Live decisions",
        "Monitoring",
        "Drift alerts",
        "Review tasks",
        "Edge-case log",
        "Shadow agreement",
        "Runbooks",
        "Skill transfer",
        "Handoff",
        "Handoff PDF",
        "Webhooks",
        "Agent API keys",
        "Activity",
    ]
    assert [label for _href, label, current in links if current == "page"] == ["Overview"]


def test_the_nav_asks_nothing_when_the_view_passed_can_manage(world, rf, django_assert_num_queries):
    """The page's own answer is reused: no second membership query for the section row."""
    from django.template import Context, Template

    request = rf.get("/")
    request.user = world.consultant
    template = Template("{% load engagements %}{% engagement_nav engagement 'overview' %}")
    engagement = world.engagement_a
    with django_assert_num_queries(0):
        html = template.render(
            Context({"request": request, "engagement": engagement, "can_manage": True})
        )
    assert "Agent API keys" in html
    with django_assert_num_queries(0):
        html = template.render(
            Context(
                {
                    "request": request,
                    "engagement": engagement,
                    "can_manage": False,
                    "can_work": False,
                }
            )
        )
    assert "Agent API keys" not in html and "Webhooks" not in html
    # Without the page's can_work, one query says whether the user works the engagement.
    with django_assert_num_queries(1):
        template.render(
            Context({"request": request, "engagement": engagement, "can_manage": False})
        )
