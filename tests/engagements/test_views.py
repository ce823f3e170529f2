"""Server-rendered pages: who sees what, the phase timeline, and moving a phase through a form."""

from decimal import Decimal

import cssselect2
import pytest
import tinyhtml5
from django.urls import reverse

from maestro.engagements import services
from maestro.engagements.models import Engagement, Phase, PhaseTransition
from maestro.tenancy.models import Membership
from tests.engagements.factories import EngagementFactory
from tests.harness.isolation import OUTSIDERS, assert_hidden
from tests.tenancy.factories import ClientFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def select(response, css: str) -> list:
    """Elements of the response's HTML matching a CSS selector (tinyhtml5 and cssselect2 come
    with WeasyPrint)."""
    root = tinyhtml5.parse(response.content.decode(), namespace_html_elements=False)
    return [e.etree_element for e in cssselect2.ElementWrapper.from_html_root(root).query_all(css)]


def text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def texts(response, css: str) -> list[str]:
    return [text(e) for e in select(response, css)]


def list_url() -> str:
    return reverse("engagements:list")


def detail_url(engagement: Engagement) -> str:
    return reverse("engagements:detail", args=[engagement.pk])


def transition_url(engagement: Engagement) -> str:
    return reverse("engagements:transition", args=[engagement.pk])


def refreshed_phase(engagement: Engagement) -> str:
    engagement.refresh_from_db()
    return engagement.phase


# --- Login ---


@pytest.mark.parametrize("name", ["list", "detail", "transition", "status"])
def test_pages_redirect_anonymous_users_to_login(client, world, name):
    url = {
        "list": list_url(),
        "detail": detail_url(world.engagement_a),
        "transition": transition_url(world.engagement_a),
        "status": reverse("system:status"),
    }[name]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_login_page_has_labelled_fields_and_logs_in(client, world):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert texts(response, "label[for=id_username]") == ["Username"]
    assert texts(response, "label[for=id_password]") == ["Password"]
    assert select(response, "main#main")

    response = client.post(
        reverse("login"), {"username": world.consultant.username, "password": "pw"}
    )
    assert response.status_code == 302
    # The landing sends each person where their work is: a consultant on to the engagements.
    assert response["Location"] == reverse("reviews:landing")
    assert client.get(response["Location"], follow=True).redirect_chain[-1][0] == list_url()


def test_login_with_a_wrong_password_shows_the_error_summary(client, world):
    response = client.post(
        reverse("login"), {"username": world.consultant.username, "password": "no"}
    )
    assert response.status_code == 200
    [summary] = texts(response, ".error-summary[role=alert]")
    assert "Please enter a correct username and password" in summary


def test_login_with_an_empty_password_ties_the_error_to_the_field(client, world):
    response = client.post(
        reverse("login"), {"username": world.consultant.username, "password": ""}
    )
    [field] = select(response, "#id_password")
    assert field.get("aria-invalid") == "true"
    assert texts(response, f"#{field.get('aria-describedby')}") == ["This field is required."]


# --- Engagement list ---


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("consultant", ["A agents"]),
        ("operator_a", ["A agents", "A second"]),
        ("sponsor_a", ["A agents", "A second"]),
        ("operator_b", ["B agents"]),
        ("staff", ["A agents", "A second", "B agents"]),
    ],
)
def test_list_shows_only_the_engagements_each_role_may_see(client, world, who, expected):
    EngagementFactory(client=world.client_a, name="A second")  # consultant is not assigned
    client.force_login(getattr(world, who))
    response = client.get(list_url())
    assert response.status_code == 200
    assert texts(response, "tbody th[scope=row] a") == expected


def test_list_shows_a_phase_badge_per_engagement(client, world):
    client.force_login(world.staff)
    response = client.get(list_url())
    assert texts(response, "tbody .badge.phase-mapping") == ["Mapping", "Mapping"]
    assert select(response, "nav[aria-label=Main] a[aria-current=page]")[0].text == "Engagements"


def test_list_filters_by_phase_and_client(client, world):
    moved = EngagementFactory(client=world.client_b, lead=world.consultant_b, name="B moved")
    services.engagement_transition(
        engagement=moved,
        to_phase=Phase.TRAINING,
        by=world.consultant_b,
        override=True,
        override_reason="Mapped on paper.",
    )
    client.force_login(world.staff)

    response = client.get(list_url(), {"phase": "training"})
    assert texts(response, "tbody th a") == ["B moved"]
    assert "1 engagement match these filters" in texts(response, ".result-count")[0]

    response = client.get(list_url(), {"client": "acme"})
    assert texts(response, "tbody th a") == ["A agents"]

    response = client.get(list_url(), {"phase": "training", "client": "acme"})
    assert texts(response, ".card.empty p")[0] == "No engagements match these filters."


def test_list_filter_offers_and_accepts_only_the_users_own_clients(client, world):
    client.force_login(world.operator_a)
    response = client.get(list_url(), {"client": "beta"})
    assert response.status_code == 200
    assert texts(response, "#id_client option") == ["All clients", "Acme"]
    assert "Select a valid choice" in texts(response, "#id_client_error")[0]
    assert texts(response, "tbody th a") == ["A agents"]  # an invalid filter filters nothing


def test_list_query_count_does_not_grow_with_engagements(
    client, world, django_assert_max_num_queries
):
    def measure(count: int) -> int:
        for _ in range(count - Engagement.objects.filter(client=world.client_a).count()):
            engagement = EngagementFactory(client=world.client_a, lead=world.consultant)
            engagement.members.add(MembershipFactory(client=world.client_a, role="consultant").user)
        client.force_login(world.consultant)
        # 10: the health columns' accuracy (1) and tasks (1), and whether a sponsor reads (1).
        with django_assert_max_num_queries(10) as queries:  # and no more than today
            response = client.get(list_url())
        assert len(texts(response, "tbody tr")) == count
        return len(queries)

    assert measure(5) == measure(50)


# --- Engagement detail ---


def _move_to_deployment(engagement: Engagement, by) -> None:
    for to_phase, note in [(Phase.TRAINING, "Mapped."), (Phase.DEPLOYMENT, "Round 3 at 85%.")]:
        services.engagement_transition(
            engagement=engagement,
            to_phase=to_phase,
            by=by,
            note=note,
            override=True,
            override_reason="Evidence outside Maestro.",
        )


def test_detail_shows_the_timeline_stance_and_history(client, world):
    _move_to_deployment(world.engagement_a, world.consultant)
    client.force_login(world.consultant)
    response = client.get(detail_url(world.engagement_a))

    assert response.status_code == 200
    steps = select(response, "ol.timeline > li")
    assert [s.get("class") for s in steps] == [
        "step done",
        "step done",
        "step current",
        "step todo",
        "step todo",
        "step todo",
    ]
    [current] = select(response, "ol.timeline > li[aria-current=step]")
    assert "Deployment (current phase)" in text(current)
    assert texts(response, ".stance [aria-current=step]") == ["Lead"]
    rows = select(response, "table tbody tr")
    assert len(rows) == 2
    cells = [text(td) for td in rows[0].iter("td")]
    assert cells[1:] == [
        str(world.consultant),
        "Training",
        "Deployment",
        "Round 3 at 85%.",
        "Gate overridden Evidence outside Maestro.",
    ]
    assert texts(response, "a.button.primary") == ["Move phase"]


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_detail_is_read_only_for_the_clients_operator_and_sponsor(client, world, who):
    client.force_login(getattr(world, who))
    response = client.get(detail_url(world.engagement_a))
    assert response.status_code == 200
    assert not select(response, f"a[href='{transition_url(world.engagement_a)}']")
    assert "Read-only" in texts(response, ".readonly-note")[0]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_detail_of_another_tenants_engagement_is_404(client, world, who):
    client.force_login(getattr(world, who))
    assert_hidden(client, [("get", detail_url(world.engagement_a))])


def test_detail_query_count_does_not_grow_with_transitions(
    client, world, django_assert_max_num_queries
):
    engagement = world.engagement_a
    member = MembershipFactory(client=world.client_a, role=Membership.Role.CONSULTANT).user
    engagement.members.add(member)

    def measure(count: int) -> int:
        while engagement.transitions.count() < count:
            forward = engagement.phase == Phase.MAPPING
            services.engagement_transition(
                engagement=engagement,
                to_phase=Phase.TRAINING if forward else Phase.MAPPING,
                by=world.consultant if forward else member,
                note="Back to the map." if not forward else "",
                override=forward,
                override_reason="Test." if forward else "",
            )
        client.force_login(world.consultant)
        # 18: the weekly trend (2), the economics' weekly automation rates (1) and the
        # stance's steps (1) joined.
        # 19: and skill transfer's plans with their readiness (one query when there are none).
        # 17: the trend, the maps and the economics share their reads of the processes and of
        # the weekly sums (maestro/lib/memo.py).
        with django_assert_max_num_queries(17) as queries:  # and no more than today
            response = client.get(detail_url(engagement))
        assert len(select(response, "table tbody tr")) == count
        return len(queries)

    assert measure(5) == measure(50)


# --- Moving a phase ---


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_transition_page_is_403_for_the_clients_operator_and_sponsor(client, world, who, method):
    client.force_login(getattr(world, who))
    data = {"to_phase": "training", "override": "on", "override_reason": "Because."}
    response = getattr(client, method)(transition_url(world.engagement_a), data)
    assert response.status_code == 403
    assert texts(response, "main p")[0] == "Only the engagement's consultants can move its phase."
    assert refreshed_phase(world.engagement_a) == Phase.MAPPING


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_transition_page_of_another_tenants_engagement_is_404(client, world, who, method):
    client.force_login(getattr(world, who))
    data = {"to_phase": "training", "override": "on", "override_reason": "Because."}
    assert_hidden(client, [(method, transition_url(world.engagement_a), data)])
    assert refreshed_phase(world.engagement_a) == Phase.MAPPING


def test_transition_page_shows_each_legal_move_with_its_gate_checks(client, world):
    _move_to_deployment(world.engagement_a, world.consultant)
    client.force_login(world.consultant)
    response = client.get(transition_url(world.engagement_a))

    assert response.status_code == 200
    assert texts(response, ".move label") == [
        "Forward to Handoff Gate fails",
        "Back to Training No gate",
    ]
    [forward, back] = select(response, ".move input[type=radio]")
    assert forward.get("checked") is not None and back.get("checked") is None
    gate = texts(response, f"#{forward.get('aria-describedby')} li")
    assert gate[0].startswith("✕ Fails: An operator is named. No operator is named yet")
    assert gate[1].startswith(
        "✕ Fails: A skill-transfer plan with at least one competency exists. No skill-transfer"
    )
    assert select(response, "ol.timeline > li[aria-current=step]")


def test_transition_page_never_preselects_a_move_back(client, world):
    engagement = world.engagement_a
    for to_phase in [Phase.TRAINING, Phase.DEPLOYMENT, Phase.HANDOFF, Phase.ADVISORY, Phase.CLOSED]:
        services.engagement_transition(
            engagement=engagement,
            to_phase=to_phase,
            by=world.consultant,
            override=True,
            override_reason="Test.",
        )
    client.force_login(world.consultant)
    response = client.get(transition_url(engagement))
    assert texts(response, ".move label") == ["Back to Advisory No gate"]
    assert select(response, ".move input[type=radio]")[0].get("checked") is None


def test_transition_with_an_override_reason_records_the_move_and_redirects(client, world):
    client.force_login(world.consultant)
    response = client.post(
        transition_url(world.engagement_a),
        {
            "to_phase": "training",
            "note": "Map done.",
            "override": "on",
            "override_reason": "Map reviewed on paper with the client.",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == detail_url(world.engagement_a)
    assert refreshed_phase(world.engagement_a) == Phase.TRAINING
    [transition] = PhaseTransition.objects.all()
    assert (transition.from_phase, transition.to_phase, transition.by) == (
        Phase.MAPPING,
        Phase.TRAINING,
        world.consultant,
    )
    assert transition.note == "Map done."
    assert transition.override_reason == "Map reviewed on paper with the client."
    followed = client.get(response["Location"])
    assert "Moved to Training." in texts(followed, ".messages")[0]


def test_transition_override_without_a_reason_is_400_and_changes_nothing(client, world):
    client.force_login(world.consultant)
    response = client.post(
        transition_url(world.engagement_a), {"to_phase": "training", "override": "on"}
    )

    assert response.status_code == 400
    [reason] = select(response, "#id_override_reason")
    assert reason.get("aria-invalid") == "true"
    assert texts(response, f"#{reason.get('aria-describedby')}") == [
        "Overriding a gate needs a reason."
    ]
    assert texts(response, ".error-summary a[href='#id_override_reason']") == [
        "Override reason: Overriding a gate needs a reason."
    ]
    assert refreshed_phase(world.engagement_a) == Phase.MAPPING
    assert not PhaseTransition.objects.exists()


def test_transition_through_a_failing_gate_without_override_is_400_and_changes_nothing(
    client, world
):
    client.force_login(world.consultant)
    response = client.post(transition_url(world.engagement_a), {"to_phase": "training"})

    assert response.status_code == 400
    [error] = texts(response, "#id_to_phase_error")
    assert error.startswith("The gate to Training is not met:")
    assert select(response, "fieldset#id_to_phase[aria-describedby=id_to_phase_error]")
    assert refreshed_phase(world.engagement_a) == Phase.MAPPING
    assert not PhaseTransition.objects.exists()


def test_transition_to_an_illegal_phase_is_400_and_changes_nothing(client, world):
    client.force_login(world.consultant)
    response = client.post(
        transition_url(world.engagement_a),
        {"to_phase": "closed", "override": "on", "override_reason": "Skip it all."},
    )

    assert response.status_code == 400
    assert texts(response, "#id_to_phase_error") == [
        "“closed” is not a move this engagement can make from Mapping."
    ]
    assert refreshed_phase(world.engagement_a) == Phase.MAPPING
    assert not PhaseTransition.objects.exists()


def test_transition_back_needs_a_note(client, world):
    _move_to_deployment(world.engagement_a, world.consultant)
    client.force_login(world.consultant)

    response = client.post(transition_url(world.engagement_a), {"to_phase": "training"})
    assert response.status_code == 400
    assert texts(response, "#id_note_error") == ["Moving back a phase needs a note saying why."]
    assert refreshed_phase(world.engagement_a) == Phase.DEPLOYMENT

    response = client.post(
        transition_url(world.engagement_a), {"to_phase": "training", "note": "Accuracy drifted."}
    )
    assert response.status_code == 302
    assert refreshed_phase(world.engagement_a) == Phase.TRAINING


# --- System status ---


def test_status_page_says_when_no_worker_has_reported(client, world):
    client.force_login(world.operator_a)
    response = client.get(reverse("system:status"))
    assert response.status_code == 200
    assert "No worker has reported yet." in texts(response, ".status-banner")[0]
    assert select(response, "nav[aria-label=Main] a[aria-current=page]")[0].text == "Status"


# --- Creating and editing an engagement ---


def new_url() -> str:
    return reverse("engagements:new")


def edit_url(engagement: Engagement) -> str:
    return reverse("engagements:edit", args=[engagement.pk])


def snapshot(engagement: Engagement) -> dict:
    """Everything the edit page could change, read fresh from the database."""
    engagement.refresh_from_db()
    return {
        "name": engagement.name,
        "description": engagement.description,
        "target_accuracy": engagement.target_accuracy,
        "lead": engagement.lead_id,
        "members": sorted(engagement.members.values_list("pk", flat=True)),
        "stance": engagement.stance,
        "phase": engagement.phase,
    }


def consultant_at(client_):
    return MembershipFactory(client=client_, role=Membership.Role.CONSULTANT).user


def assert_field_error(response, field: str, message: str) -> None:
    """The message is tied to its field (aria) and listed in the error summary."""
    [widget] = select(response, f"#id_{field}")
    if widget.tag != "fieldset":
        assert widget.get("aria-invalid") == "true"
    assert f"id_{field}_error" in widget.get("aria-describedby").split()
    assert texts(response, f"#id_{field}_error") == [message]
    [summary] = texts(response, ".error-summary[role=alert]")
    assert message in summary


@pytest.mark.parametrize("name", ["new", "edit"])
def test_new_and_edit_pages_redirect_anonymous_users_to_login(client, world, name):
    url = new_url() if name == "new" else edit_url(world.engagement_a)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(
    ("who", "offered"),
    [("consultant", True), ("staff", True), ("operator_a", False), ("sponsor_a", False)],
)
def test_list_offers_a_new_engagement_only_to_consultants(client, world, who, offered):
    client.force_login(getattr(world, who))
    response = client.get(list_url())
    links = select(response, f".page-head a[href='{new_url()}']")
    assert [text(a) for a in links] == (["New engagement"] if offered else [])


def test_new_engagement_form_defaults_to_the_user_as_lead_and_85_percent(client, world):
    client.force_login(world.consultant)
    response = client.get(new_url())

    assert response.status_code == 200
    assert texts(response, "#id_client option[selected]") == ["Acme"]  # their only client
    assert select(response, "#id_target_accuracy")[0].get("value") == "85"
    assert texts(response, "#id_lead option[selected]") == [
        f"{world.consultant.get_full_name()} ({world.consultant.username})"
    ]
    assert texts(response, "label[for=id_name]") == ["Name"]
    assert texts(response, "fieldset#id_members legend") == ["Consultant members"]
    assert not select(response, "[name=phase]")


def test_create_opens_the_engagement_and_shows_its_page(client, world):
    colleague = consultant_at(world.client_a)
    client.force_login(world.consultant)
    response = client.post(
        new_url(),
        {
            "client": world.client_a.pk,
            "name": "Claims triage",
            "description": "Route insurance claims.",
            "target_accuracy": "90.5",
            "lead": world.consultant.pk,
            "members": [colleague.pk],
        },
    )

    engagement = Engagement.objects.get(name="Claims triage")
    assert response.status_code == 302
    assert response["Location"] == detail_url(engagement)
    assert snapshot(engagement) == {
        "name": "Claims triage",
        "description": "Route insurance claims.",
        "target_accuracy": Decimal("90.50"),
        "lead": world.consultant.pk,
        "members": [colleague.pk],
        "stance": Engagement.Stance.LEAD,
        "phase": Phase.MAPPING,
    }
    assert engagement.client == world.client_a
    followed = client.get(response["Location"])
    assert texts(followed, ".messages") == [
        "Opened “Claims triage” for Acme. It starts in Mapping."
    ]
    [current] = select(followed, "ol.timeline > li[aria-current=step]")
    assert "Mapping (current phase)" in text(current)


def test_create_for_a_colleague_keeps_the_creator_on_the_team(client, world):
    colleague = consultant_at(world.client_a)
    client.force_login(world.consultant)
    response = client.post(
        new_url(),
        {
            "client": world.client_a.pk,
            "name": "Colleague's",
            "target_accuracy": "85",
            "lead": colleague.pk,
        },
    )

    engagement = Engagement.objects.get(name="Colleague's")
    assert response.status_code == 302
    assert response["Location"] == engagement.get_absolute_url()
    assert engagement.lead == colleague
    assert list(engagement.members.all()) == [world.consultant]


def test_edit_that_leaves_the_team_lands_on_the_list(client, world):
    colleague = consultant_at(world.client_a)
    client.force_login(world.consultant)
    response = client.post(
        edit_url(world.engagement_a),
        {"name": "A agents", "target_accuracy": "85", "lead": colleague.pk, "stance": "lead"},
    )

    assert response.status_code == 302
    assert response["Location"] == list_url()
    world.engagement_a.refresh_from_db()
    assert world.engagement_a.lead == colleague
    followed = client.get(list_url())
    assert "not on its team" in texts(followed, ".messages")[0]


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a", "operator_b"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_create_is_403_for_operators_and_sponsors(client, world, who, method):
    client.force_login(getattr(world, who))
    data = {"client": world.client_a.pk, "name": "Sneaky", "target_accuracy": "85"}
    response = getattr(client, method)(new_url(), data)
    assert response.status_code == 403
    assert texts(response, "main p")[0] == "Only consultants can open engagements."
    assert not Engagement.objects.filter(name="Sneaky").exists()


def test_create_never_offers_or_accepts_another_tenants_client(client, world):
    client.force_login(world.consultant_b)

    response = client.get(new_url())
    assert texts(response, "#id_client option") == ["Choose a client", "Beta"]
    assert str(world.client_a.pk) not in [o.get("value") for o in select(response, "option")]

    before = Engagement.objects.count()
    response = client.post(
        new_url(),
        {
            "client": world.client_a.pk,
            "name": "Inside job",
            "target_accuracy": "85",
            "lead": world.consultant_b.pk,
        },
    )
    assert response.status_code == 400
    assert_field_error(response, "client", "Choose one of the clients you consult for.")
    assert Engagement.objects.count() == before


def test_create_refuses_a_client_where_the_user_is_an_operator(client, world):
    # Operator at Acme and consultant at Beta: Acme is theirs to see, not to open work for.
    MembershipFactory(user=world.consultant_b, client=world.client_a, role="operator")
    client.force_login(world.consultant_b)
    assert texts(client.get(new_url()), "#id_client option") == ["Choose a client", "Beta"]
    response = client.post(
        new_url(),
        {"client": world.client_a.pk, "name": "X", "target_accuracy": "85"},
    )
    assert response.status_code == 400
    assert_field_error(response, "client", "Choose one of the clients you consult for.")
    assert not Engagement.objects.filter(name="X").exists()


CREATE_BAD_INPUT = {
    "duplicate name": (
        {"name": "a AGENTS"},
        "name",
        "Acme already has an engagement named “a AGENTS”.",
    ),
    "accuracy over 100": (
        {"target_accuracy": "150"},
        "target_accuracy",
        "Target accuracy must be a percentage from 0 to 100.",
    ),
    "accuracy not a number": (
        {"target_accuracy": "abc"},
        "target_accuracy",
        "Target accuracy must be a number, such as 85.",
    ),
    "empty name": ({"name": "  "}, "name", "Give the engagement a name."),
}


@pytest.mark.parametrize("case", CREATE_BAD_INPUT)
def test_create_with_bad_input_is_400_and_creates_nothing(client, world, case):
    changes, field, message = CREATE_BAD_INPUT[case]
    client.force_login(world.consultant)
    before = Engagement.objects.count()
    data = {
        "client": world.client_a.pk,
        "name": "Fresh",
        "target_accuracy": "85",
        "lead": world.consultant.pk,
        **changes,
    }
    response = client.post(new_url(), data)

    assert response.status_code == 400
    assert_field_error(response, field, message)
    assert Engagement.objects.count() == before


def test_create_with_a_lead_from_another_of_the_users_clients_is_400(client, world):
    # The consultant also works for Gamma, so Gamma's consultants are offered as leads; the
    # service refuses one who is not a consultant at the chosen client.
    gamma = ClientFactory(name="Gamma")
    MembershipFactory(user=world.consultant, client=gamma, role="consultant")
    outsider = consultant_at(gamma)
    client.force_login(world.consultant)
    before = Engagement.objects.count()

    response = client.post(
        new_url(),
        {
            "client": world.client_a.pk,
            "name": "Fresh",
            "target_accuracy": "85",
            "lead": outsider.pk,
        },
    )

    assert response.status_code == 400
    assert_field_error(response, "lead", f"{outsider.username} is not a consultant at Acme.")
    assert Engagement.objects.count() == before


def test_detail_offers_edit_only_to_those_who_manage_it(client, world):
    client.force_login(world.consultant)
    response = client.get(detail_url(world.engagement_a))
    assert texts(response, ".head-actions a") == ["Edit", "Move phase"]
    assert select(response, f".head-actions a[href='{edit_url(world.engagement_a)}']")

    client.force_login(world.operator_a)
    response = client.get(detail_url(world.engagement_a))
    assert not select(response, f"a[href='{edit_url(world.engagement_a)}']")


def test_edit_form_shows_the_saved_values_and_no_phase(client, world):
    member = consultant_at(world.client_a)
    world.engagement_a.members.add(member)
    client.force_login(world.consultant)
    response = client.get(edit_url(world.engagement_a))

    assert response.status_code == 200
    assert select(response, "#id_name")[0].get("value") == "A agents"
    assert select(response, "#id_target_accuracy")[0].get("value") == "85.00"
    assert texts(response, "#id_lead option[selected]")[0].startswith(
        world.consultant.get_full_name()
    )
    checked = select(response, "fieldset#id_members input[checked]")
    assert [c.get("value") for c in checked] == [str(member.pk)]
    assert texts(response, "#id_stance option[selected]") == ["Lead"]
    assert not select(response, "[name=phase]")
    assert not select(response, "[name=client]")


def test_edit_saves_the_changes_and_never_the_phase(client, world):
    colleague = consultant_at(world.client_a)
    client.force_login(world.consultant)
    response = client.post(
        edit_url(world.engagement_a),
        {
            "name": "A agents, phase two",
            "description": "Now with invoices.",
            "target_accuracy": "92",
            "lead": colleague.pk,
            "members": [world.consultant.pk],
            "stance": Engagement.Stance.ADVISORY,
            "phase": Phase.CLOSED,  # not a field: ignored
        },
    )

    assert response.status_code == 302
    assert response["Location"] == detail_url(world.engagement_a)
    assert snapshot(world.engagement_a) == {
        "name": "A agents, phase two",
        "description": "Now with invoices.",
        "target_accuracy": Decimal("92.00"),
        "lead": colleague.pk,
        "members": [world.consultant.pk],
        "stance": Engagement.Stance.ADVISORY,
        "phase": Phase.MAPPING,
    }
    assert not PhaseTransition.objects.exists()
    followed = client.get(response["Location"])
    assert texts(followed, ".messages") == ["Saved your changes."]


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_edit_is_403_for_the_clients_operator_and_sponsor(client, world, who, method):
    before = snapshot(world.engagement_a)
    client.force_login(getattr(world, who))
    data = {"name": "Taken over", "target_accuracy": "10", "lead": world.consultant.pk}
    response = getattr(client, method)(edit_url(world.engagement_a), data)
    assert response.status_code == 403
    assert texts(response, "main p")[0] == "Only the engagement's consultants can change it."
    assert snapshot(world.engagement_a) == before


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_edit_of_another_tenants_engagement_is_404(client, world, who, method):
    client.force_login(getattr(world, who))
    data = {"name": "Taken over", "target_accuracy": "10", "lead": world.consultant_b.pk}
    assert_hidden(
        client,
        [(method, edit_url(world.engagement_a), data)],
        unchanged=lambda: snapshot(world.engagement_a),
    )


EDIT_BAD_INPUT = {
    "duplicate name": (
        {"name": "A SECOND"},
        "name",
        "Acme already has an engagement named “A SECOND”.",
    ),
    "accuracy over 100": (
        {"target_accuracy": "150"},
        "target_accuracy",
        "Target accuracy must be a percentage from 0 to 100.",
    ),
    "accuracy not a number": (
        {"target_accuracy": "abc"},
        "target_accuracy",
        "Target accuracy must be a number, such as 85.",
    ),
    "empty name": ({"name": ""}, "name", "Give the engagement a name."),
    "lead not offered": (
        {"lead": "operator_a"},
        "lead",
        "Choose the lead from the consultants listed.",
    ),
}


@pytest.mark.parametrize("case", EDIT_BAD_INPUT)
def test_edit_with_bad_input_is_400_and_changes_nothing(client, world, case):
    changes, field, message = EDIT_BAD_INPUT[case]
    if changes.get("lead") == "operator_a":
        changes = {**changes, "lead": world.operator_a.pk}
    EngagementFactory(client=world.client_a, name="A second")
    before = snapshot(world.engagement_a)
    client.force_login(world.consultant)
    data = {
        "name": "A agents renamed",
        "description": "Changed.",
        "target_accuracy": "90",
        "lead": world.consultant.pk,
        "stance": Engagement.Stance.ADVISORY,
        **changes,
    }
    response = client.post(edit_url(world.engagement_a), data)

    assert response.status_code == 400
    assert_field_error(response, field, message)
    assert snapshot(world.engagement_a) == before
    # The page still names the engagement as saved, not as typed.
    assert texts(response, ".crumbs li")[1] == "A agents"


def test_edit_refuses_a_lead_who_is_no_longer_a_consultant_at_the_client(client, world):
    # A team member who became the client's operator is still listed (they are on the team),
    # so it is the service that refuses them as lead.
    member = consultant_at(world.client_a)
    world.engagement_a.members.add(member)
    Membership.objects.filter(user=member).update(role=Membership.Role.OPERATOR)
    before = snapshot(world.engagement_a)
    client.force_login(world.consultant)

    response = client.post(
        edit_url(world.engagement_a),
        {
            "name": "A agents",
            "target_accuracy": "85",
            "lead": member.pk,
            "stance": Engagement.Stance.LEAD,
        },
    )

    assert response.status_code == 400
    assert_field_error(response, "lead", f"{member.username} is not a consultant at Acme.")
    assert snapshot(world.engagement_a) == before
