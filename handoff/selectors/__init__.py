"""Reads of skill transfer: `readiness` (per operator, its trend), `check_ins`, `evidence`
(agreement and Cohen's kappa from shadow reviews, the operator's on-time rate and work done)."""
