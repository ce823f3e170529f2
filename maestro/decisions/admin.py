from django.contrib import admin

from maestro.decisions.models import AgentApiKey, Decision


@admin.register(AgentApiKey)
class AgentApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "engagement", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["engagement"]
    search_fields = ["name", "prefix"]
    # The hash is useless to read and must never be edited by hand.
    exclude = ["key_hash"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at"]
    raw_id_fields = ["engagement"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = [
        "case_ref",
        "process",
        "route",
        "proposed_outcome",
        "final_outcome",
        "received_at",
    ]
    list_filter = ["route", "overridden"]
    list_select_related = ["process"]
    search_fields = ["case_ref", "counterparty"]
    raw_id_fields = ["engagement", "process", "decision_type", "playbook_version"]
    readonly_fields = ["route", "reasons", "received_at"]
