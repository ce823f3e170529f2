from typing import Any

from django.apps import AppConfig


def _process_maps_overview(engagement) -> dict[str, Any]:
    from maestro.mapping.selectors import engagement_process_summaries

    return {"processes": engagement_process_summaries(engagement=engagement)}


def _playbook_threshold(*, process):
    from maestro.playbooks.selectors import playbook_version_current

    version = playbook_version_current(process=process)
    return version.default_threshold if version else None


class CompositionConfig(AppConfig):
    """The top of the layering: wires the apps above engagements into its hooks at startup.

    Installed last, so every app it wires is loaded. It owns no models; the gate checks live
    in `maestro.gates`.
    """

    name = "maestro.composition"
    label = "composition"

    def ready(self) -> None:
        from handoff.selectors.handoff import engagement_handoff_summary
        from handoff.selectors.plans import engagement_stance_overview
        from handoff.selectors.readiness_summary import engagement_readiness_summary
        from handoff.selectors.shadow import shadow_task_marks, shadow_task_panel
        from handoff.services.plans import stance_step_record
        from handoff.services.shadow import (
            shadow_case_operator_answer_record,
            shadow_cases_open_for_tasks,
        )
        from maestro import gates
        from maestro.decisions import hooks as decisions_hooks
        from maestro.decisions.overview import (
            engagement_deployment_overview,
            process_economics_overview,
        )
        from maestro.decisions.summary import engagement_economics_summary
        from maestro.engagements import hooks
        from maestro.mapping import hooks as mapping_hooks
        from maestro.monitoring.overview import engagement_trend_overview
        from maestro.monitoring.selectors.trend import process_weekly_automation_rates
        from maestro.monitoring.summary import (
            engagement_list_accuracy,
            engagement_monitoring_summary,
        )
        from maestro.playbooks.services import known_counterparties_seed
        from maestro.reviews import hooks as reviews_hooks
        from maestro.reviews.summary import engagement_list_tasks
        from maestro.training import hooks as training_hooks
        from maestro.training.overview import engagement_training_overview
        from runbooks.services import runbook_create_starters

        gates.register()
        # The sponsor's summary and the list's health (skill transfer adds its readiness and the
        # handoff document with hooks.on_engagement_summary once it has them).
        hooks.on_engagement_summary(engagement_monitoring_summary)
        hooks.on_engagement_summary(engagement_economics_summary)
        # Skill transfer: each operator's readiness, after the risks.
        hooks.on_engagement_summary(engagement_readiness_summary)
        hooks.on_engagement_list_health(engagement_list_accuracy)
        hooks.on_engagement_list_health(engagement_list_tasks)
        # Starter runbooks are made in engagement_create's transaction (see hooks.py for why).
        hooks.on_engagement_created(runbook_create_starters)
        hooks.on_engagement_overview(_process_maps_overview)
        hooks.on_engagement_overview(engagement_training_overview)
        hooks.on_engagement_overview(engagement_deployment_overview)
        hooks.on_engagement_overview(engagement_trend_overview)
        # Skill transfer: every change of the stance joins its history, shown on the page.
        hooks.on_stance_changed(stance_step_record)
        hooks.on_engagement_overview(engagement_stance_overview)
        # The handoff: the sponsor's summary links the latest handoff PDF and its sign-offs.
        hooks.on_engagement_summary(engagement_handoff_summary)
        # The economics use monitoring's measured weekly automation rate (decisions.hooks).
        decisions_hooks.on_automation_rates(process_weekly_automation_rates)
        mapping_hooks.on_process_overview(process_economics_overview)
        # A dataset's counterparties are known to routing from the import that brings them.
        training_hooks.on_cases_imported(known_counterparties_seed)
        # Skill transfer's shadow reviews: escalated decisions drawn into shadow mode as their
        # tasks open (in the intake's transaction), the operator's answer recorded as the task
        # is resolved, and the badge / blind outcome on the queue and task pages.
        reviews_hooks.on_review_tasks_opened(shadow_cases_open_for_tasks)
        reviews_hooks.on_review_task_resolved(shadow_case_operator_answer_record)
        reviews_hooks.on_review_task_marks(shadow_task_marks)
        reviews_hooks.on_review_task_page(shadow_task_panel)
        # The round page marks the playbook's threshold on its what-if sweep.
        training_hooks.on_current_threshold(_playbook_threshold)
