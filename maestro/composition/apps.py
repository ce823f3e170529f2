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
        from maestro import gates
        from maestro.decisions import hooks as decisions_hooks
        from maestro.decisions.overview import (
            engagement_deployment_overview,
            process_economics_overview,
        )
        from maestro.engagements import hooks
        from maestro.mapping import hooks as mapping_hooks
        from maestro.monitoring.overview import engagement_trend_overview
        from maestro.monitoring.selectors.trend import process_weekly_automation_rates
        from maestro.playbooks.services import known_counterparties_seed
        from maestro.training import hooks as training_hooks
        from maestro.training.overview import engagement_training_overview
        from runbooks.services import runbook_create_starters

        gates.register()
        # Starter runbooks are made in engagement_create's transaction (see hooks.py for why).
        hooks.on_engagement_created(runbook_create_starters)
        hooks.on_engagement_overview(_process_maps_overview)
        hooks.on_engagement_overview(engagement_training_overview)
        hooks.on_engagement_overview(engagement_deployment_overview)
        hooks.on_engagement_overview(engagement_trend_overview)
        # The economics use monitoring's measured weekly automation rate (decisions.hooks).
        decisions_hooks.on_automation_rates(process_weekly_automation_rates)
        mapping_hooks.on_process_overview(process_economics_overview)
        # A dataset's counterparties are known to routing from the import that brings them.
        training_hooks.on_cases_imported(known_counterparties_seed)
        # The round page marks the playbook's threshold on its what-if sweep.
        training_hooks.on_current_threshold(_playbook_threshold)
