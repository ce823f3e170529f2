"""An escalation playbook version as plain sentences, for the playbook page and its readers
(operators and sponsors who never see the rules JSON). Pure: no ORM, no HTML — templates
autoescape every sentence.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maestro.playbooks.routing import (
    AMOUNT_ABOVE,
    AUTONOMY_ALWAYS_HUMAN,
    AUTONOMY_FULL,
    CATEGORY_IN,
    CONFIDENCE_BELOW,
    DECISION_TYPE_ALWAYS_HUMAN,
    NEW_COUNTERPARTY,
    CompiledPlaybook,
    Rule,
    percent,
)

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


@dataclass(frozen=True)
class PlaybookDocument:
    rules: list[str]
    notes: list[str]
    sla: str
    chain: str


def money_words(amount: Decimal, currency: str) -> str:
    """$50,000.00 for the usual currencies, 50,000.00 CHF otherwise."""
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"


def duration_words(minutes: int) -> str:
    days, rest = divmod(minutes, 60 * 24)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%d day", "%d days", days) % days)
    if hours:
        parts.append(ngettext("%d hour", "%d hours", hours) % hours)
    if mins:
        parts.append(ngettext("%d minute", "%d minutes", mins) % mins)
    return " ".join(parts) or _("0 minutes")


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _confidence_sentence(playbook: CompiledPlaybook, rule: Rule) -> str:
    base = rule.threshold if rule.threshold is not None else playbook.default_threshold
    own = [
        f"{name}: {percent(info.threshold)}"
        for name, info in sorted(playbook.decision_types.items())
        if info.autonomy != AUTONOMY_FULL and info.threshold is not None
    ]
    sentence = _("Decisions below %(threshold)s confidence go to a human") % {
        "threshold": percent(base)
    }
    if own:
        sentence += " (" + "; ".join(own) + ")"
    exempt = sorted(
        name for name, info in playbook.decision_types.items() if info.autonomy == AUTONOMY_FULL
    )
    if exempt:
        sentence += ". " + _(
            "Decision types with full autonomy (%(names)s) are exempt: the agent acts "
            "whatever its confidence"
        ) % {"names": ", ".join(exempt)}
    return sentence + "."


def _rule_sentence(playbook: CompiledPlaybook, rule: Rule) -> str:
    if rule.kind == CONFIDENCE_BELOW:
        return _confidence_sentence(playbook, rule)
    if rule.kind == CATEGORY_IN:
        return ngettext(
            "Category %(names)s always goes to a human.",
            "Categories %(names)s always go to a human.",
            len(rule.categories),
        ) % {"names": _quoted(list(rule.categories))}
    if rule.kind == AMOUNT_ABOVE:
        assert rule.amount is not None
        return _(
            "Amounts above %(limit)s always go to a human; an amount in another currency "
            "cannot be compared with this limit, so it goes to a human too."
        ) % {"limit": money_words(rule.amount, rule.currency)}
    if rule.kind == NEW_COUNTERPARTY:
        return _("A counterparty never seen before for this process goes to a human.")
    if rule.kind == DECISION_TYPE_ALWAYS_HUMAN:
        names = sorted(
            name
            for name, info in playbook.decision_types.items()
            if info.autonomy == AUTONOMY_ALWAYS_HUMAN
        )
        if not names:
            return _(
                "Decision types marked 'always human' go to a human (none is marked so today)."
            )
        return ngettext(
            "Decision type %(names)s always goes to a human.",
            "Decision types %(names)s always go to a human.",
            len(names),
        ) % {"names": _quoted(names)}
    return rule.kind


def playbook_document(*, playbook: CompiledPlaybook, people: Mapping[int, str]) -> PlaybookDocument:
    """`people` maps the chain's user ids to display names (unknown ids say so)."""
    rules = [_rule_sentence(playbook, rule) for rule in playbook.rules]
    notes = [
        _("Everything else goes to the agent: the decision is routed auto.")
        if rules
        else _("This version has no rules: every decision is routed auto."),
    ]
    if len(rules) > 1:
        notes.append(
            _("When several rules match, the decision goes to a human once, with every reason.")
        )
    sla = _("A human has %(duration)s to resolve an escalated decision.") % {
        "duration": duration_words(playbook.sla_minutes)
    }
    names = [people.get(pk, _("user #%(id)d") % {"id": pk}) for pk in playbook.escalation_chain]
    if names:
        chain = _(
            "If it is still open after that, it is escalated to %(names)s, in that order; "
            "after them, to the engagement's other operators, then its lead consultant."
        ) % {"names": _(", then ").join(names)}
    else:
        chain = _(
            "If it is still open after that, it is escalated to the engagement's other "
            "operators, then its lead consultant."
        )
    return PlaybookDocument(rules=rules, notes=notes, sla=sla, chain=chain)
