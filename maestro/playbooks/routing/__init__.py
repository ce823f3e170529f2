"""The routing engine: a pure function of (playbook version, decision, known counterparties).

No ORM here. maestro.playbooks.selectors.playbook_compiled_for_process turns the newest
PlaybookVersion and the engagement's decision types into a CompiledPlaybook (two queries,
whatever the size of the playbook); decision intake and the dry run then call route() once per
decision. rules.py validates and compiles the rules; engine.py routes.

Rules are an ordered list; every rule that matches sends the decision to a human with a reason,
and all matching reasons are returned in rule order. No match means `auto`.

Semantics users rely on (also rendered in the playbook document and the README):
- confidence_below: the threshold is the decision type's own confidence threshold if it has
  one, else the rule's threshold if given, else the version's default threshold. Decision types
  with `full` autonomy are exempt: full autonomy means the agent acts whatever its confidence.
- amount_above: strictly above the limit. A decision whose amount is in a currency no
  amount rule covers (or has no currency) is escalated: it cannot be compared, so we fail
  closed. Decisions without an amount never match.
- new_counterparty: the exact counterparty name was never seen for this process; an empty
  counterparty never matches.
- category_in: case-insensitive, surrounding spaces ignored.
"""

from maestro.playbooks.routing.engine import (
    AUTO,
    HUMAN,
    CompiledPlaybook,
    DecisionFacts,
    DecisionTypeInfo,
    Reason,
    Routing,
    effective_threshold,
    money,
    percent,
    route,
)
from maestro.playbooks.routing.rules import (
    AMOUNT_ABOVE,
    AUTONOMY_ALWAYS_HUMAN,
    AUTONOMY_FULL,
    AUTONOMY_REVIEW,
    CATEGORY_IN,
    CONFIDENCE_BELOW,
    DECISION_TYPE_ALWAYS_HUMAN,
    MAX_CATEGORIES,
    MAX_CATEGORY_LENGTH,
    MAX_RULES,
    NEW_COUNTERPARTY,
    REASON_LABELS,
    RULE_KINDS,
    RULE_PARAMS,
    Rule,
    compile_rules,
    validate_rules,
)

__all__ = [
    "AMOUNT_ABOVE",
    "AUTO",
    "AUTONOMY_ALWAYS_HUMAN",
    "AUTONOMY_FULL",
    "AUTONOMY_REVIEW",
    "CATEGORY_IN",
    "CONFIDENCE_BELOW",
    "DECISION_TYPE_ALWAYS_HUMAN",
    "HUMAN",
    "MAX_CATEGORIES",
    "MAX_CATEGORY_LENGTH",
    "MAX_RULES",
    "NEW_COUNTERPARTY",
    "REASON_LABELS",
    "RULE_KINDS",
    "RULE_PARAMS",
    "CompiledPlaybook",
    "DecisionFacts",
    "DecisionTypeInfo",
    "Reason",
    "Routing",
    "Rule",
    "compile_rules",
    "effective_threshold",
    "money",
    "percent",
    "route",
    "validate_rules",
]
