from decimal import Decimal

from maestro.playbooks.document import duration_words, playbook_document
from maestro.playbooks.routing import CompiledPlaybook, DecisionTypeInfo

TYPES = {
    "Invoice approval": DecisionTypeInfo(1, "review_below_threshold", Decimal("0.90")),
    "Ticket tagging": DecisionTypeInfo(2, "full", None),
    "Sanctions check": DecisionTypeInfo(3, "always_human", None),
}


def compiled(rules, chain=(), sla=240):
    return CompiledPlaybook(
        version_id=1,
        number=1,
        default_threshold=Decimal("0.80"),
        rules=rules,
        sla_minutes=sla,
        escalation_chain=chain,
        decision_types=TYPES,
    )


def test_every_rule_kind_reads_as_a_sentence():
    doc = playbook_document(
        playbook=compiled(
            [
                {"kind": "amount_above", "amount": "50000", "currency": "USD"},
                {"kind": "confidence_below"},
                {"kind": "category_in", "categories": ["compliance"]},
                {"kind": "new_counterparty"},
                {"kind": "decision_type_always_human"},
                {"kind": "amount_above", "amount": "1000", "currency": "CHF"},
            ],
            chain=(5, 9),
            sla=90,
        ),
        people={5: "Olivia Operator", 9: "Maria Consultant"},
    )
    assert doc.rules == [
        "Amounts above $50,000.00 always go to a human; an amount in another currency cannot "
        "be compared with this limit, so it goes to a human too.",
        "Decisions below 80% confidence go to a human (Invoice approval: 90%). Decision types "
        "with full autonomy (Ticket tagging) are exempt: the agent acts whatever its confidence.",
        "Category 'compliance' always goes to a human.",
        "A counterparty never seen before for this process goes to a human.",
        "Decision type 'Sanctions check' always goes to a human.",
        "Amounts above 1,000.00 CHF always go to a human; an amount in another currency cannot "
        "be compared with this limit, so it goes to a human too.",
    ]
    assert doc.notes[0] == "Everything else goes to the agent: the decision is routed auto."
    assert doc.sla == "A human has 1 hour 30 minutes to resolve an escalated decision."
    assert doc.chain.startswith(
        "If it is still open after that, it is escalated to Olivia Operator, then Maria "
        "Consultant, in that order"
    )


def test_empty_playbook_and_default_chain():
    doc = playbook_document(playbook=compiled([]), people={})
    assert doc.rules == []
    assert doc.notes == ["This version has no rules: every decision is routed auto."]
    assert "other operators, then its lead consultant" in doc.chain
    assert doc.sla == "A human has 4 hours to resolve an escalated decision."


def test_unknown_chain_user_and_durations():
    doc = playbook_document(playbook=compiled([], chain=(42,)), people={})
    assert "escalated to user #42" in doc.chain
    assert duration_words(60 * 24 + 1) == "1 day 1 minute"
    assert duration_words(120) == "2 hours"
