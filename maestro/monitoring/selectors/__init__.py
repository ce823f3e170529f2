"""Reads of the feedback loops: `scores` (daily score lists and exports), `alerts` (rules,
episodes, silences) and `trend` (this week vs last, the chart's series)."""
