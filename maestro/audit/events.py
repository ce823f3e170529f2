"""Every kind of state change the audit trail records: one line per event type.

The value is stored ("area.verb"), so it never changes once published; the label is what pages
show. The stored column has no database choices, so adding a line needs no migration.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.TextChoices):
    # Engagements
    ENGAGEMENT_CREATED = "engagement.created", _("Engagement created")
    ENGAGEMENT_CHANGED = "engagement.changed", _("Engagement changed")
    PHASE_CHANGED = "engagement.phase_changed", _("Phase changed")
    GATE_OVERRIDDEN = "engagement.gate_overridden", _("Gate overridden")
    STANCE_CHANGED = "engagement.stance_changed", _("Stance changed")
    CLIENT_TIME_ZONE_CHANGED = "client.time_zone_changed", _("Client time zone changed")
    # People
    INVITATION_SENT = "invitation.sent", _("Invitation sent")
    INVITATION_RESENT = "invitation.resent", _("Invitation re-sent")
    INVITATION_REVOKED = "invitation.revoked", _("Invitation revoked")
    INVITATION_ACCEPTED = "invitation.accepted", _("Invitation accepted")
    ROLE_CHANGED = "membership.role_changed", _("Role changed")
    MEMBERSHIP_DEACTIVATED = "membership.deactivated", _("Membership deactivated")
    # Playbooks and runbooks
    # A saved playbook version routes at once: there is no separate publish step.
    PLAYBOOK_VERSION_CREATED = "playbook.version_created", _("Playbook version created")
    RUNBOOK_VERSION_CREATED = "runbook.version_created", _("Runbook version created")
    RUNBOOK_PUBLISHED = "runbook.published", _("Runbook published")
    RUNBOOK_RETIRED = "runbook.retired", _("Runbook retired")
    COUNTERPARTY_ADDED = "counterparty.added", _("Known counterparty added")
    COUNTERPARTY_REMOVED = "counterparty.removed", _("Known counterparty removed")
    COUNTERPARTIES_IMPORTED = "counterparty.imported", _("Known counterparties imported")
    # Review tasks
    TASK_ASSIGNED = "task.assigned", _("Review task assigned")
    TASK_REASSIGNED = "task.reassigned", _("Review task reassigned")
    TASK_ESCALATED = "task.escalated", _("Review task escalated")
    TASK_RESOLVED = "task.resolved", _("Review task resolved")
    DECISION_OVERRIDDEN = "decision.overridden", _("Agent's decision overridden")
    # Integrations
    API_KEY_CREATED = "api_key.created", _("Agent API key created")
    API_KEY_REVOKED = "api_key.revoked", _("Agent API key revoked")
    TEST_DECISIONS_REMOVED = "decisions.test_removed", _("Test decisions removed")
    WEBHOOK_CREATED = "webhook.created", _("Webhook endpoint created")
    WEBHOOK_CHANGED = "webhook.changed", _("Webhook endpoint changed")
    WEBHOOK_DELETED = "webhook.deleted", _("Webhook endpoint deleted")
    # Training data
    DATASET_IMPORTED = "dataset.imported", _("Evaluation dataset imported")
    ROUND_IMPORTED = "round.imported", _("Training round imported")
    # Drift alerts
    ALERT_RULE_CREATED = "alert_rule.created", _("Drift alert rule created")
    ALERT_RULE_CHANGED = "alert_rule.changed", _("Drift alert rule changed")
    ALERT_RULE_DELETED = "alert_rule.deleted", _("Drift alert rule deleted")
    ALERT_FIRED = "alert.fired", _("Drift alert fired")
    ALERT_RESOLVED = "alert.resolved", _("Drift alert resolved")
    ALERT_ACKNOWLEDGED = "alert.acknowledged", _("Drift alert acknowledged")
    SILENCE_CREATED = "silence.created", _("Drift alerts silenced")
    SILENCE_LIFTED = "silence.lifted", _("Silence lifted")
    # Skill transfer: plans and their competencies (the stance's steps are STANCE_CHANGED)
    SKILL_PLAN_CREATED = "skill_plan.created", _("Skill-transfer plan created")
    SKILL_PLAN_CHANGED = "skill_plan.changed", _("Skill-transfer plan changed")
    COMPETENCY_ADDED = "competency.added", _("Competency added")
    COMPETENCY_CHANGED = "competency.changed", _("Competency changed")
    COMPETENCY_REMOVED = "competency.removed", _("Competency removed")
    # Skill transfer: shadow reviews
    SHADOW_SHARE_CHANGED = "skill_plan.shadow_share_changed", _("Shadow share changed")
    SHADOW_CASE_OPENED = "shadow_case.opened", _("Shadow review opened")
    SHADOW_CASE_ANSWERED = "shadow_case.answered", _("Shadow review answered by the consultant")
    SHADOW_CASE_OPERATOR_ANSWERED = (
        "shadow_case.operator_answered",
        _("Shadow review answered by the operator"),
    )
    # Skill transfer: check-ins
    CHECK_IN_RECORDED = "check_in.recorded", _("Check-in recorded")
    CHECK_IN_MISSED = "check_in.missed", _("Check-in missed")
    CHECK_IN_CANCELLED = "check_in.cancelled", _("Check-in cancelled")
    CHECK_IN_RESCHEDULED = "check_in.rescheduled", _("Check-in rescheduled")
    # The handoff PDF: generations and the sign-offs of a specific generation
    HANDOFF_DOCUMENT_REQUESTED = "handoff_document.requested", _("Handoff PDF requested")
    HANDOFF_DOCUMENT_GENERATED = "handoff_document.generated", _("Handoff PDF generated")
    HANDOFF_DOCUMENT_FAILED = "handoff_document.failed", _("Handoff PDF failed")
    HANDOFF_DOCUMENT_SIGNED = "handoff_document.signed", _("Handoff PDF signed off")
    CLIENT_PAPER_SIZE_CHANGED = "client.paper_size_changed", _("Paper size changed")
