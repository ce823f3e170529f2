"""Review tasks: opening them for escalated decisions, assignment, reassignment, resolution,
the SLA escalation chain, and the edge-case log. Import services from here."""

from maestro.reviews.services.assignment import (
    DEFAULT_SLA_MINUTES,
    review_operator_least_loaded,
    review_operator_loads,
    review_task_open,
    review_task_title,
    review_tasks_open_for_decisions,
)
from maestro.reviews.services.edge_cases import edge_case_flag, edge_case_mark_reviewed
from maestro.reviews.services.escalation import review_tasks_escalate_overdue
from maestro.reviews.services.handover import HandedOver, review_tasks_hand_over
from maestro.reviews.services.resolution import (
    MAX_BULK_REASSIGN,
    review_task_reassign,
    review_task_resolve,
    review_task_resolve_and_flag,
    review_tasks_reassign,
)

__all__ = [
    "DEFAULT_SLA_MINUTES",
    "MAX_BULK_REASSIGN",
    "HandedOver",
    "edge_case_flag",
    "edge_case_mark_reviewed",
    "review_task_open",
    "review_task_reassign",
    "review_task_resolve",
    "review_task_resolve_and_flag",
    "review_operator_least_loaded",
    "review_operator_loads",
    "review_task_title",
    "review_tasks_escalate_overdue",
    "review_tasks_hand_over",
    "review_tasks_open_for_decisions",
    "review_tasks_reassign",
]
