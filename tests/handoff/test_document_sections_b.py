"""Sections 6–11 of the handoff PDF (playbook, live metrics, runbooks, skill transfer, open risks,
sign-off), from a realistic engagement, in the real PDF opened with pypdf and in the JSON
attached inside it; and the queries each section reads, which do not grow with the rows."""

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from zeal import zeal_context

from handoff.document.render import DATA_FILENAME, document_build, document_pdf
from handoff.document.sections import (
    live_metrics,
    open_risks,
    playbook,
    runbooks,
    sign_off,
    skill_transfer,
)
from handoff.document.sections.sign_off import handoff_manifest
from handoff.document.source import DocumentSource
from handoff.models import (
    CheckIn,
    Competency,
    HandoffDocument,
    HandoffSignOff,
    ShadowCase,
    SkillTransferPlan,
)
from handoff.services.check_ins import FollowUp, check_in_record
from handoff.services.plans import plan_create
from maestro.audit.services import Actor
from maestro.engagements.models import Engagement
from maestro.lib.jobs import JobStatus
from maestro.lib.timezones import iso_week_start, local_today
from maestro.mapping.models import DecisionType, Process
from maestro.monitoring.models import AlertEpisode, AlertRule, Silence
from maestro.playbooks.models import PlaybookVersion
from maestro.playbooks.services import playbook_version_create
from maestro.reviews.models import ReviewTask
from maestro.reviews.services import edge_case_flag, review_task_open
from maestro.tenancy.models import Membership, User
from runbooks import services as runbook_services
from runbooks.models import Runbook, RunbookVersion
from runbooks.rendering import resolve_links
from tests.decisions.factories import DecisionFactory
from tests.handoff.factories import CheckInFactory
from tests.mapping.factories import DecisionTypeFactory, ProcessFactory
from tests.monitoring.factories import DailyScoreFactory
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db

MONITORING_BODY = """# Monitoring

Read the daily accuracy every morning against the target.

## Every morning
- [ ] Open the engagement's metrics and read yesterday's accuracy
- [ ] Check the override rate against last week's

See [[escalation]] when accuracy falls two days running, and [[edge-cases]] for odd cases.
"""
HOSTILE_BODY = """# Escalation

<script>document.write("pwned by the runbook")</script>

Call the finance lead first. Before the image
<img src="http://127.0.0.1:9/canary.png" alt="canary picture"> after it.

A link to [nowhere](runbook:ghost).
"""
# The consultant's and the operator's answers on the same ten escalated decisions: 8 agree;
# both said approve 6 times and reject 4, so chance agreement is 0.52 and
# kappa = (0.8 − 0.52) / (1 − 0.52) = 0.5833…, printed 0.583.
SHADOW_PAIRS = [("approve", "approve")] * 5 + [("reject", "reject")] * 3
SHADOW_PAIRS += [("approve", "reject"), ("reject", "approve")]
KAPPA = "0.583"


@dataclass
class Built:
    engagement: Engagement
    consultant: User
    operators: list[User]
    procurement: Process
    routing: Process
    now: datetime
    runbooks: dict[str, Runbook] = field(default_factory=dict)
    plans: list[SkillTransferPlan] = field(default_factory=list)
    drift_task: ReviewTask | None = None


def _scores(process: Process, now: datetime) -> None:
    """Last week 941 correct of 1,000 with an outcome (94.1%); this week, so far, 480 of 520
    (92.3%), all on Monday (today or earlier, whatever weekday the test runs on)."""
    monday = iso_week_start(local_today(process.engagement.client.tzinfo, now=now))
    last_monday = monday - timedelta(days=7)
    last_week = [(150, 141), (160, 151), (155, 146), (145, 136), (150, 141), (120, 113)]
    last_week.append((120, 113))
    for i, (with_outcome, correct) in enumerate(last_week):
        DailyScoreFactory(
            process=process,
            day=last_monday + timedelta(days=i),
            volume=with_outcome + 10,
            with_outcome=with_outcome,
            correct=correct,
            auto_routed=with_outcome - 20,
            escalated=30,
            human_resolved=30,
            overridden=2,
        )
    DailyScoreFactory(
        process=process,
        day=monday,
        volume=600,
        with_outcome=520,
        correct=480,
        auto_routed=480,
        escalated=120,
        human_resolved=120,
        overridden=12,
    )


def _alerts(built: Built, *, extra: int = 0) -> None:
    engagement, process, now = built.engagement, built.procurement, built.now
    today = local_today(engagement.client.tzinfo, now=now)
    floor = AlertRule.objects.create(
        engagement=engagement,
        process=process,
        kind=AlertRule.Kind.ACCURACY_FLOOR,
        threshold=Decimal("0.9300"),
        created_by=built.consultant,
    )
    ceiling = AlertRule.objects.create(
        engagement=engagement,
        process=process,
        kind=AlertRule.Kind.OVERRIDE_CEILING,
        threshold=Decimal("0.1000"),
        created_by=built.consultant,
    )
    band = AlertRule.objects.create(
        engagement=engagement,
        process=process,
        kind=AlertRule.Kind.ESCALATION_BAND,
        threshold=Decimal("0.0500"),
        threshold_high=Decimal("0.3000"),
        created_by=built.consultant,
    )
    built.drift_task = review_task_open(
        engagement=engagement,
        kind=ReviewTask.Kind.DRIFT_INVESTIGATION,
        title="Drift investigation: Procurement approval accuracy below 93%",
        due_at=now - timedelta(hours=5),
        actor=Actor.system("drift alerts"),
        assignee=built.operators[0],
    )
    AlertEpisode.objects.create(
        engagement=engagement,
        rule=floor,
        state=AlertEpisode.State.FIRING,
        started_on=today - timedelta(days=1),
        last_evaluated_on=today,
        value=Decimal("0.9120"),
        fired_at=now - timedelta(hours=10),
        investigation_task=built.drift_task,
    )
    AlertEpisode.objects.create(
        engagement=engagement,
        rule=ceiling,
        state=AlertEpisode.State.RESOLVED,
        started_on=today - timedelta(days=9),
        last_evaluated_on=today - timedelta(days=7),
        value=Decimal("0.1240"),
        fired_at=now - timedelta(days=9),
        resolved_on=today - timedelta(days=7),
        resolved_at=now - timedelta(days=7),
    )
    # Fired during a silence: recorded, notified nobody.
    AlertEpisode.objects.create(
        engagement=engagement,
        rule=band,
        state=AlertEpisode.State.RESOLVED,
        started_on=today - timedelta(days=4),
        last_evaluated_on=today - timedelta(days=3),
        value=Decimal("0.3300"),
        fired_at=now - timedelta(days=4),
        resolved_on=today - timedelta(days=3),
        resolved_at=now - timedelta(days=3),
        silenced=True,
    )
    for i in range(extra):
        AlertEpisode.objects.create(
            engagement=engagement,
            rule=ceiling,
            state=AlertEpisode.State.RESOLVED,
            started_on=today - timedelta(days=30 + i),
            last_evaluated_on=today - timedelta(days=29 + i),
            value=Decimal("0.1100"),
            fired_at=now - timedelta(days=30 + i),
            resolved_on=today - timedelta(days=29 + i),
            resolved_at=now - timedelta(days=29 + i),
        )
    Silence.objects.create(
        engagement=engagement,
        process=process,
        rule=band,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=6),
        reason="Planned policy change: compliance purchases all go to a human this week.",
        created_by=built.consultant,
    )


def _plan(built: Built, operator: User, *, check_ins: int, shadow: bool) -> SkillTransferPlan:
    """The article's four competencies; `check_ins` weekly ones in the past (the second one
    missed, the others recorded, moving one competency a step each time) and one ahead."""
    plan = plan_create(engagement=built.engagement, operator=operator, by=built.consultant)
    competencies = list(Competency.objects.filter(plan=plan).order_by("order"))
    ladder = [(c, stage) for c in competencies[:3] for stage in ("co_pilot", "solo")]
    moves = iter(ladder)
    start = built.now - timedelta(weeks=check_ins)
    for n in range(check_ins):
        check_in = CheckInFactory(plan=plan, scheduled_at=start + timedelta(weeks=n))
        if n == 1:
            CheckIn.objects.filter(pk=check_in.pk).update(
                status=CheckIn.Status.MISSED, missed_at=check_in.scheduled_at + timedelta(days=1)
            )
            continue
        move = next(moves, None)
        follow_ups = []
        if n == 0:
            follow_ups = [
                FollowUp(
                    text="Tune the amount rule with finance",
                    due_on=local_today(built.engagement.client.tzinfo) + timedelta(days=3),
                )
            ]
        check_in_record(
            check_in=check_in,
            by=built.consultant,
            stages={move[0].pk: move[1]} if move else {},
            notes=f"Session {n + 1}: {operator.first_name} ran the morning review alone.",
            follow_ups=follow_ups,
            now=check_in.scheduled_at + timedelta(minutes=45),
        )
    CheckInFactory(plan=plan, scheduled_at=built.now + timedelta(days=2))
    if shadow:
        escalation = next(c for c in competencies if c.name == "Escalation management")
        for i, (consultant_says, operator_says) in enumerate(SHADOW_PAIRS):
            task = ReviewTask.objects.create(
                engagement=built.engagement,
                kind=ReviewTask.Kind.ESCALATED_DECISION,
                title=f"Review: shadow case {plan.pk}-{i}",
                due_at=built.now - timedelta(days=1),
                status=ReviewTask.Status.RESOLVED,
                final_outcome=operator_says,
                resolved_by=operator,
                resolved_at=built.now - timedelta(days=1, hours=i),
            )
            ShadowCase.objects.create(
                plan=plan,
                task=task,
                competency=escalation,
                consultant=built.consultant,
                consultant_outcome=consultant_says,
                consultant_answered_at=built.now - timedelta(days=1, hours=i, minutes=5),
                operator_outcome=operator_says,
                operator_answered_at=built.now - timedelta(days=1, hours=i),
            )
    return plan


def build(
    engagement: Engagement,
    consultant: User,
    *,
    runbooks: int = 3,
    plans: int = 1,
    check_ins: int = 3,
    extra: int = 0,
) -> Built:
    """A live engagement mid-handoff: two processes with playbooks, `runbooks` published
    runbooks (the second hostile, the third with a newer draft) and a draft, two weeks of
    scores, drift alerts and a silence, edge cases, open and overdue tasks, skill-transfer plans
    with check-ins and shadow reviews. `extra` adds that many more rows of each kind that
    repeats."""
    now = timezone.now()
    client = engagement.client
    operators = [
        MembershipFactory(
            client=client,
            role=Membership.Role.OPERATOR,
            user__first_name=name,
            user__last_name="Operator",
        ).user
        for name in ["Olivia", "Oscar", "Ophelia", "Otto"][:plans]
    ]
    procurement = ProcessFactory(engagement=engagement, name="Procurement approval")
    routing = ProcessFactory(engagement=engagement, name="Customer ticket routing")
    for i in range(extra):
        ProcessFactory(engagement=engagement, name=f"Process {i} without a playbook")
    built = Built(engagement, consultant, operators, procurement, routing, now)
    DecisionTypeFactory(
        engagement=engagement,
        name="compliance exception",
        autonomy=DecisionType.Autonomy.ALWAYS_HUMAN,
    )
    DecisionTypeFactory(engagement=engagement, name="route ticket")
    playbook_version_create(
        process=procurement,
        by=consultant,
        default_threshold="0.80",
        rules=[
            {"kind": "confidence_below"},
            {"kind": "category_in", "categories": ["compliance"]},
            {"kind": "amount_above", "amount": "50000", "currency": "USD"},
            {"kind": "new_counterparty"},
            {"kind": "decision_type_always_human"},
        ],
        sla_minutes=240,
        escalation_chain=[operators[0].pk, consultant.pk],
        message="Procurement rules agreed with the finance lead.",
    )
    playbook_version_create(
        process=routing,
        by=consultant,
        default_threshold="0.70",
        rules=[{"kind": "confidence_below"}],
        sla_minutes=60,
        escalation_chain=[],
    )
    playbook_version_create(
        process=routing,
        by=consultant,
        default_threshold="0.70",
        rules=[{"kind": "confidence_below"}, {"kind": "category_in", "categories": ["security"]}],
        sla_minutes=60,
        escalation_chain=[operators[0].pk],
        message="Security tickets stay with people.",
    )

    def published(title: str, slug: str, body: str) -> Runbook:
        runbook = runbook_services.runbook_create(
            engagement=engagement, title=title, slug=slug, body=body, by=consultant
        )
        return runbook_services.runbook_publish(runbook=runbook, by=consultant)

    built.runbooks["monitoring"] = published("Monitoring", "monitoring", MONITORING_BODY)
    if runbooks >= 2:
        built.runbooks["escalation"] = published("Escalation", "escalation", HOSTILE_BODY)
    if runbooks >= 3:
        # Published, then a newer draft: the document hands over the published version.
        edge = published(
            "Edge cases", "edge-cases", "# Edge cases\n\nFlag what the rules missed.\n"
        )
        runbook_services.runbook_save(
            runbook=edge,
            title="Edge cases",
            body="# Edge cases\n\nA draft sentence nobody published.\n",
            message="Draft",
            base_version=1,
            by=consultant,
        )
        built.runbooks["edge-cases"] = edge
    for i in range(runbooks - 3):
        built.runbooks[f"extra-{i}"] = published(
            f"Runbook {i:02d}", f"extra-{i}", f"# Runbook {i}\n\nStep {i} of the routine.\n"
        )
    built.runbooks["draft"] = runbook_services.runbook_create(
        engagement=engagement, title="Check-in guide", slug="check-in-guide", by=consultant
    )

    _scores(procurement, now)
    _alerts(built, extra=extra)
    for note in [
        "Supplier split one order into two POs just below the approval limit.",
        *[f"Odd case {i}" for i in range(extra)],
    ]:
        edge_case_flag(decision=DecisionFactory(process=procurement), note=note, by=operators[0])
    review_task_open(
        engagement=engagement,
        kind=ReviewTask.Kind.EDGE_CASE_REVIEW,
        title="Weekly edge-case review",
        due_at=now + timedelta(days=2),
        actor=Actor.system("weekly review"),
        assignee=operators[0],
    )
    for i in range(extra):
        review_task_open(
            engagement=engagement,
            kind=ReviewTask.Kind.EDGE_CASE_REVIEW,
            title=f"Another review {i}",
            due_at=now - timedelta(hours=i + 1),
            actor=Actor.system("weekly review"),
            assignee=operators[i % len(operators)],
        )
    for n, operator in enumerate(operators):
        built.plans.append(_plan(built, operator, check_ins=check_ins, shadow=n == 0))
    return built


@pytest.fixture
def built(world) -> Built:
    return build(world.engagement_a, world.consultant)


def _source(engagement: Engagement, **fields) -> DocumentSource:
    engagement = Engagement.objects.select_related("client").get(pk=engagement.pk)
    return DocumentSource(engagement=engagement, **fields)


def _text(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _squeezed(text: str) -> str:
    """The text without whitespace: a hash or a sentence may wrap across lines."""
    return "".join(text.split())


def _pdf(source: DocumentSource):
    built_document = document_build(source)
    reader = pypdf.PdfReader(io.BytesIO(document_pdf(built_document, source)))
    attached = json.loads(reader.attachments[DATA_FILENAME][0])
    return built_document, reader, attached


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _playbook_sha(version: PlaybookVersion) -> str:
    version.refresh_from_db()
    content = {
        "default_threshold": str(version.default_threshold),
        "escalation_chain": version.escalation_chain,
        "rules": version.rules,
        "sla_minutes": version.sla_minutes,
    }
    return _sha(json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def _signed_previous(built: Built, world) -> HandoffDocument:
    """Version 1 succeeded and was signed by the sponsor and the operator; version 2 failed;
    version 3 is the one being made."""
    first = HandoffDocument.objects.create(
        engagement=built.engagement,
        version=1,
        status=JobStatus.SUCCEEDED,
        sha256=_sha("version 1 of the file"),
        finished_at=built.now - timedelta(days=3),
    )
    HandoffSignOff.objects.create(
        document=first,
        signed_by=world.sponsor_a,
        role=HandoffSignOff.Role.SPONSOR,
        sha256=first.sha256,
        signed_at=built.now - timedelta(days=2),
    )
    HandoffSignOff.objects.create(
        document=first,
        signed_by=built.operators[0],
        role=HandoffSignOff.Role.OPERATOR,
        sha256=first.sha256,
        signed_at=built.now - timedelta(days=1),
    )
    HandoffDocument.objects.create(
        engagement=built.engagement, version=2, status=JobStatus.FAILED, error="Too large"
    )
    HandoffDocument.objects.create(engagement=built.engagement, version=3, status=JobStatus.RUNNING)
    return first


def test_the_pdf_and_its_json_carry_sections_6_to_11(built, world):
    first = _signed_previous(built, world)
    source = _source(built.engagement, version=3, generated_at=built.now)
    document, reader, attached = _pdf(source)
    text = _text(reader)
    flat = _squeezed(text)

    # 6. The playbook in the playbook page's words, with its version and hash.
    procurement = PlaybookVersion.objects.get(playbook__process=built.procurement)
    routing = PlaybookVersion.objects.get(playbook__process=built.routing, number=2)
    assert _squeezed("Amounts above $50,000.00 always go to a human") in flat
    assert _squeezed("Category 'compliance' always goes to a human.") in flat
    assert _squeezed("Decision type 'compliance exception' always goes to a human.") in flat
    assert _squeezed("A human has 4 hours to resolve an escalated decision.") in flat
    assert _squeezed("Olivia Operator, then") in flat
    assert _playbook_sha(procurement) in flat
    playbooks = {p["process"]: p for p in attached["playbook"]["playbooks"]}
    assert playbooks["Procurement approval"]["version"] == 1
    assert playbooks["Procurement approval"]["sha256"] == _playbook_sha(procurement)
    assert playbooks["Customer ticket routing"]["version"] == 2
    assert playbooks["Customer ticket routing"]["version_id"] == routing.pk
    assert playbooks["Customer ticket routing"]["rules"] == routing.rules
    assert playbooks["Procurement approval"]["in_words"]["rules"][2].startswith(
        "Amounts above $50,000.00"
    )

    # 7. Live metrics: the trend sentence, the rates, the chart, the alerts, the edge cases.
    assert _squeezed("92.3% correct decisions this week, down from 94.1%") in flat
    metrics = attached["live_metrics"]
    assert metrics["overall"]["sentence"] == "92.3% correct decisions this week, down from 94.1%"
    assert metrics["overall"]["accuracy"]["this_week"] == pytest.approx(0.9231)
    assert metrics["overall"]["accuracy"]["last_week"] == pytest.approx(0.941)
    assert metrics["overall"]["accuracy"]["change_points"] == pytest.approx(-1.8)
    assert metrics["overall"]["automation_rate"]["this_week"] == pytest.approx(0.8)
    assert metrics["overall"]["escalation_rate"]["this_week"] == pytest.approx(0.2)
    assert metrics["overall"]["override_rate"]["this_week"] == pytest.approx(0.1)
    assert metrics["drift_alerts"]["fired"] == 3
    assert metrics["drift_alerts"]["resolved"] == 2
    assert metrics["drift_alerts"]["firing"] == 1
    assert metrics["drift_alerts"]["silenced"] == 1
    assert metrics["drift_alerts"]["listed"][0]["rule"] == "Accuracy below 93.0%"
    assert metrics["drift_alerts"]["silences_in_force"][0]["reason"].startswith("Planned policy")
    assert metrics["edge_cases"] == {
        "total": 1,
        "unreviewed": 1,
        "by_process": [{"process": "Procurement approval", "total": 1, "unreviewed": 1}],
    }
    assert [d["process"] for d in metrics["daily_accuracy"]] == ["Procurement approval"]
    assert 'class="chart accuracy-daily-chart"' in document.html
    assert "Accuracy below 93.0%" in text
    assert _squeezed("Supplier split one order into two POs") in flat

    # 8. Runbooks: the published versions' stored HTML, nothing else, with their hashes.
    monitoring = built.runbooks["monitoring"].published_version
    hostile = built.runbooks["escalation"].published_version
    edge = RunbookVersion.objects.get(runbook=built.runbooks["edge-cases"], number=1)
    assert "Read the daily accuracy every morning against the target." in text
    assert "Call the finance lead first." in text
    assert "Flag what the rules missed." in text
    assert "A draft sentence nobody published." not in text
    for version in (monitoring, hostile, edge):
        assert _sha(version.html) in flat
    handed_over = {r["slug"]: r for r in attached["runbooks"]["runbooks"]}
    assert set(handed_over) == {"monitoring", "escalation", "edge-cases"}
    assert handed_over["escalation"]["sha256"] == _sha(hostile.html)
    assert handed_over["edge-cases"]["version"] == 1
    assert handed_over["edge-cases"]["newer_draft"] is True
    assert [r["slug"] for r in attached["runbooks"]["not_handed_over"]] == ["check-in-guide"]

    # 9. Skill transfer: stages, check-ins, kappa, readiness.
    assert f"κ {KAPPA}" in text
    assert _squeezed(f"Cohen's kappa {KAPPA} (moderate) on 10 shadow cases") in flat
    assert _squeezed("Readiness 25% (1 of 4 competencies at target)") in flat
    assert _squeezed("Session 1: Olivia ran the morning review alone.") in flat
    plan = attached["skill_transfer"]["plans"][0]
    assert plan["operator"] == "Olivia Operator"
    assert plan["agreement"]["kappa"] == pytest.approx(float(KAPPA))
    assert plan["agreement"]["cases"] == 10
    assert plan["agreement"]["met"] is False  # 10 cases, the bar needs 30
    assert plan["readiness"]["share"] == pytest.approx(0.25)
    assert [c["status"] for c in plan["check_ins"]] == [
        "recorded",
        "missed",
        "recorded",
        "scheduled",
    ]
    assert plan["check_ins"][0]["follow_ups"][0]["title"] == (
        "Follow-up: Tune the amount rule with finance"
    )
    assert plan["check_ins"][2]["stages_moved"] == {"Monitoring": "solo"}
    competencies = {c["name"]: c for c in plan["competencies"]}
    assert competencies["Monitoring"]["current_stage"] == "solo"
    assert [s["stage"] for s in competencies["Monitoring"]["stages_reached"]] == [
        "co_pilot",
        "solo",
    ]
    assert competencies["Escalation management"]["agreement"]["kappa"] == pytest.approx(0.583)

    # 10. Open risks and tasks.
    assert _squeezed("Drift investigation: Procurement approval accuracy below 93%") in flat
    assert _squeezed("Weekly edge-case review") in flat
    risks = {r["kind"] for r in attached["open_risks"]["risks"]}
    assert {
        "drift_alert_firing",
        "tasks_overdue",
        "readiness_below_target",
        "agreement_below_bar",
        "runbook_not_published",
        "runbook_draft_pending",
    } <= risks
    tasks = attached["open_risks"]["tasks"]
    titles = [t["title"] for t in tasks["listed"]]
    assert titles[0] == "Drift investigation: Procurement approval accuracy below 93%"
    assert tasks["listed"][0]["overdue"] is True
    assert tasks["overdue"] == 1
    assert "Follow-up: Tune the amount rule with finance" in titles

    # 11. Sign-off: the manifest, and version 1's sign-offs (version 2 failed).
    signed = attached["sign_off"]
    assert {r["slug"]: r["sha256"] for r in signed["runbooks"]} == {
        "monitoring": _sha(monitoring.html),
        "escalation": _sha(hostile.html),
        "edge-cases": _sha(edge.html),
    }
    assert {p["version_id"]: p["sha256"] for p in signed["playbooks"]} == {
        procurement.pk: _playbook_sha(procurement),
        routing.pk: _playbook_sha(routing),
    }
    assert handoff_manifest(built.engagement) == {
        "runbooks": signed["runbooks"],
        "playbooks": signed["playbooks"],
    }
    previous = signed["previous_generation"]
    assert previous["version"] == 1
    assert previous["sha256"] == first.sha256
    assert [(s["name"], s["role"], s["sha256"]) for s in previous["sign_offs"]] == [
        (str(world.sponsor_a), "sponsor", first.sha256),
        ("Olivia Operator", "operator", first.sha256),
    ]
    assert first.sha256 in flat
    assert str(world.sponsor_a) in text


def test_a_hostile_runbook_prints_as_its_sanitised_html_stores_it(built):
    source = _source(built.engagement, generated_at=built.now)
    document, reader, _attached = _pdf(source)
    stored = built.runbooks["escalation"].published_version.html
    assert "<script" not in stored and "127.0.0.1" not in stored

    # The stored HTML, its runbook links resolved against the runbooks in the document, and
    # its heading ids scoped to the runbook (two runbooks may have the same headings).
    published = {
        slug: (f"#runbook-{slug}", title)
        for slug, title in [
            ("monitoring", "Monitoring"),
            ("escalation", "Escalation"),
            ("edge-cases", "Edge cases"),
        ]
    }
    resolved = resolve_links(stored, published)
    assert runbooks.scoped_heading_ids(resolved, "runbook-escalation") in document.html
    assert 'id="runbook-escalation/h-escalation"' in document.html
    assert "<script" not in document.html
    assert "127.0.0.1" not in document.html
    text = _text(reader)
    assert "pwned" not in text
    assert "Before the image after it." in " ".join(text.split())
    # A link to a runbook in the document jumps to it; one to no runbook is plain text.
    monitoring = resolve_links(built.runbooks["monitoring"].published_version.html, published)
    assert '<a href="#runbook-escalation" class="runbook-link"' in monitoring
    assert 'id="runbook-escalation"' in document.html
    assert '<a class="runbook-link missing"' in resolve_links(stored, published)


def test_a_preview_shows_the_latest_signed_generation(built, world):
    first = _signed_previous(built, world)
    HandoffDocument.objects.filter(engagement=built.engagement, version=3).update(
        status=JobStatus.SUCCEEDED, sha256=_sha("version 3 of the file")
    )
    preview = sign_off.gather(_source(built.engagement)).data
    assert preview["previous_generation"]["version"] == 3
    assert preview["previous_generation"]["sign_offs"] == []
    fourth = sign_off.gather(_source(built.engagement, version=4)).data
    assert fourth["previous_generation"]["version"] == 3
    third = sign_off.gather(_source(built.engagement, version=3)).data
    assert third["previous_generation"]["sha256"] == first.sha256


def test_an_empty_engagement_reads_plainly(world):
    source = _source(world.engagement_a)
    document, reader, attached = _pdf(source)
    text = " ".join(_text(reader).split())
    assert "No process has an escalation playbook yet." in text
    assert "No runbook is published yet" in text
    assert "No operator has a skill-transfer plan." in text
    assert "No drift alert has fired." in text
    assert "there is no earlier version to have been signed" in text
    assert attached["sign_off"] == {"runbooks": [], "playbooks": [], "previous_generation": None}
    assert attached["live_metrics"]["overall"]["accuracy"]["this_week"] is None


SECTIONS = [playbook, live_metrics, runbooks, skill_transfer, open_risks, sign_off]


def _queries(source: DocumentSource) -> dict[str, int]:
    counts = {}
    for section in SECTIONS:
        with zeal_context(), CaptureQueriesContext(connection) as queries:
            section.gather(source)
        counts[section.__name__.rsplit(".", 1)[-1]] = len(queries)
    return counts


def test_each_section_reads_the_same_queries_whatever_the_rows(world):
    small = build(world.engagement_a, world.consultant, runbooks=1, plans=1, check_ins=1)
    large = build(
        world.engagement_b, world.consultant_b, runbooks=10, plans=3, check_ins=7, extra=6
    )
    # 3 plans of 7 check-ins (and the next one each): over 20 check-ins.
    assert CheckIn.objects.filter(plan__engagement=large.engagement).count() >= 20
    assert Runbook.objects.filter(engagement=large.engagement, status="published").count() >= 10
    for built_one in (small, large):
        _signed_previous(built_one, world)
    small_source = _source(small.engagement, version=3, generated_at=small.now)
    large_source = _source(large.engagement, version=3, generated_at=large.now)
    _queries(small_source)  # warm the caches (content types, translations)

    assert _queries(small_source) == _queries(large_source)
