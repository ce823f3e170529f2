"""Drift alerts in words, for the pages and the e-mails: "Accuracy below 90.0%",
"down 3.2 points". Pure functions (the API answers the shares themselves)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from maestro.monitoring.models import AlertEpisode, AlertRule

Kind = AlertRule.Kind


def percent(share: Decimal | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def points(share: Decimal | None) -> str:
    return "—" if share is None else _("%(points)s points") % {"points": f"{share * 100:.1f}"}


def alert_rule_summary(rule: AlertRule) -> str:
    if rule.kind == Kind.ACCURACY_FLOOR:
        text = _("Accuracy below %(floor)s") % {"floor": percent(rule.threshold)}
    elif rule.kind == Kind.WEEKLY_DROP:
        text = _("Accuracy down more than %(points)s week on week") % {
            "points": points(rule.threshold)
        }
    elif rule.kind == Kind.ESCALATION_BAND:
        text = _("Escalation rate outside %(low)s–%(high)s") % {
            "low": percent(rule.threshold),
            "high": percent(rule.threshold_high),
        }
    else:
        text = _("Override rate above %(ceiling)s") % {"ceiling": percent(rule.threshold)}
    if rule.for_days > 1:
        text += " " + _("for %(days)s scored days") % {"days": rule.for_days}
    return text


def alert_rule_scope(rule: AlertRule) -> str:
    """The process, and the category when the rule watches one."""
    name = rule.process.name
    return f"{name} · {rule.category}" if rule.category else name


def alert_episode_value(episode: AlertEpisode) -> str:
    """The latest breach: a rate, or for a weekly drop the drop."""
    if episode.rule.kind == Kind.WEEKLY_DROP:
        return _("down %(points)s") % {"points": points(episode.value)}
    return percent(episode.value)
