"""The feedback loops' services: `scoring` (daily scores, late outcomes, rescoring), `alerts`
(drift rules, episodes, silences, notices) and `weekly` (the Monday edge-case review and the
summary e-mail)."""
