"""The decision intake: route a batch of live decisions, store them, open review tasks for the
human-routed ones and emit `decision.escalated`. Import services from here."""

from maestro.intake.services.intake import decisions_intake
from maestro.intake.services.storing import IntakeResult
from maestro.intake.services.validation import MAX_PAYLOAD_BYTES, payload_errors

__all__ = ["IntakeResult", "MAX_PAYLOAD_BYTES", "decisions_intake", "payload_errors"]
