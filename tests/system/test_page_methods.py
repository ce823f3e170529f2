"""Every server-rendered page answers only the methods it handles: a page without a form is
read-only (POST is a 405, not the page again), and a page with a form takes GET and POST."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.tenancy.factories import UserFactory

# The API, the admin and Django's login/logout views have their own rules.
NOT_PAGES = ("api/", "admin/", "login/", "logout/")

# Views that take a POST: a form (GET shows it, POST submits it) or an action (POST only).
TAKES_POST = {
    "maestro.decisions.views.api_key_list",
    "maestro.decisions.views.api_key_revoke",
    "maestro.engagements.views.engagement_create",
    "maestro.engagements.views.engagement_edit",
    "maestro.engagements.views.engagement_transition",
    "maestro.engagements.views.client_time_zone_edit",
    "maestro.mapping.views.process_list",
    "maestro.mapping.views.process_edit",
    "maestro.mapping.views.process_delete",
    "maestro.mapping.views.decision_type_create",
    "maestro.mapping.views.decision_type_edit",
    "maestro.training.views.training_overview",
    "maestro.training.views.dataset_detail",
    "maestro.training.views.round_detail",
    "maestro.webhooks.views.endpoint_create",
    "maestro.webhooks.views.endpoint_edit",
    "maestro.webhooks.views.endpoint_delete",
    "maestro.webhooks.views.endpoint_rotate_secret",
    "maestro.webhooks.views.endpoint_ping",
    "maestro.webhooks.views.delivery_retry",
    "runbooks.views.runbook_create",
    "runbooks.views.runbook_edit",
    "runbooks.views.runbook_preview",
    "runbooks.views.runbook_restore",
    "runbooks.views.runbook_publish",
    "runbooks.views.runbook_retire",
    "runbooks.views.run_start",
    "runbooks.views.run_step",
    "runbooks.views.run_finish",
    "maestro.playbooks.views.playbook_edit",
    "maestro.playbooks.views.playbook_dry_run",
    "maestro.playbooks.views.known_counterparties",
    "maestro.playbooks.views.known_counterparty_remove",
    "maestro.decisions.views.test_decisions_remove",
    "maestro.reviews.views.review_task_detail",
    "maestro.reviews.views.engagement_review_tasks_reassign",
    "maestro.reviews.views.review_task_reassign",
    "maestro.reviews.views.review_task_flag",
    "maestro.reviews.views.edge_case_review",
    "maestro.people.views.people_index",
    "maestro.people.views.client_people",
    "maestro.people.views.membership_role",
    "maestro.people.views.membership_deactivate",
    "maestro.people.views.invitation_resend",
    "maestro.people.views.invitation_revoke",
    "maestro.people.views.invitation_accept",
    "maestro.monitoring.views.alerts.alert_acknowledge",
    "maestro.monitoring.views.alerts.alert_rule_create",
    "maestro.monitoring.views.alerts.alert_rule_edit",
    "maestro.monitoring.views.alerts.silence_list",
    "maestro.monitoring.views.alerts.silence_lift",
    # Skill transfer: shadow reviews
    "handoff.views.shadow.shadow_case_detail",
    "handoff.views.shadow.plan_shadow_share",
    "handoff.views.check_ins.check_in_detail",
    "handoff.views.check_ins.calendar_page",
    "handoff.views.plans.plan_create",
    "handoff.views.plans.plan_edit",
    "handoff.views.plans.competency_create",
    "handoff.views.plans.competency_edit",
    "handoff.views.plans.competency_delete",
    "handoff.views.plans.competency_move",
    "handoff.views.plans.stance_step",
    "handoff.views.handoff.handoff_document_sign_off",
    "handoff.views.verify.verify_page",
    # Handoff PDF
    "handoff.views.documents.document_generate",
}
SAMPLE = {"int": "1", "slug": "x", "str": "x", "string": "x", "path": "x"}


def _pages(resolver: URLResolver, prefix: str = ""):
    """(url, view path) for every page pattern, with sample values for its parameters."""
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(NOT_PAGES):
            continue
        if isinstance(entry, URLResolver):
            yield from _pages(entry, route)
            continue
        assert isinstance(entry, URLPattern)
        url = "/" + route
        for name, converter in entry.pattern.converters.items():
            kind = type(converter).__name__.removesuffix("Converter").lower()
            for template in (f"<{kind}:{name}>", f"<{name}>"):
                url = url.replace(template, SAMPLE[kind])
        view = entry.callback
        yield url, f"{view.__module__}.{view.__name__}"


PAGES = sorted(_pages(get_resolver()))


def test_every_page_is_classified():
    """A new page takes a POST only if it is listed above; the list names no stale view."""
    views = {view for _url, view in PAGES}
    assert TAKES_POST <= views, sorted(TAKES_POST - views)


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "view"), PAGES, ids=[url for url, _view in PAGES])
def test_page_refuses_methods_it_does_not_handle(client, url, view):
    client.force_login(UserFactory(is_staff=True))
    if view in TAKES_POST:
        answer = client.put(url)
        assert answer.status_code == 405, (view, answer.status_code)
        assert "POST" in answer["Allow"]
    else:
        answer = client.post(url)
        assert answer.status_code == 405, (view, answer.status_code)
        assert answer["Allow"] == "GET, HEAD"
