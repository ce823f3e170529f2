"""Percentiles and elapsed seconds as database expressions, on PostgreSQL and SQLite.

`Percentile(expr, 0.9)` is a continuous percentile (linear interpolation between the two
nearest ranks, as PostgreSQL's `percentile_cont` and numpy's default): on PostgreSQL it is
`percentile_cont(0.9) WITHIN GROUP (ORDER BY expr)`; SQLite has no such function, so
`sqlite_functions_register` adds one written in Python (`maestro_percentile`) to every SQLite
connection. SQLite runs it inside the query, group by group, so no row leaves the database
but each group's values are held in memory while the group is aggregated (a group is one
process's decisions of one day).
"""

import math

from django.db import models
from django.db.models import Aggregate, Func


class Percentile(Aggregate):
    """The `fraction` percentile (0–1) of `expression`; NULL for an empty group."""

    name = "Percentile"
    output_field = models.FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= float(fraction) <= 1:
            raise ValueError(f"A percentile's fraction is from 0 to 1, not {fraction!r}.")
        # A literal of our own making (a float), never user input.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="percentile_cont(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
            "%(filter)s",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="maestro_percentile(%(expressions)s, %(fraction)s)%(filter)s",
            **extra_context,
        )


class SecondsBetween(Func):
    """Seconds from `start` to `end` (two datetime columns), as a float."""

    output_field = models.FloatField()
    arity = 2

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::float8",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # julianday() reads Django's stored "YYYY-MM-DD HH:MM:SS.ffffff" (UTC) text; a double
        # of days keeps well under a millisecond of precision at today's dates.
        end, start = self.get_source_expressions()
        end_sql, end_params = compiler.compile(end)
        start_sql, start_params = compiler.compile(start)
        return (
            f"((julianday({end_sql}) - julianday({start_sql})) * 86400.0)",
            (*end_params, *start_params),
        )


def percentile_of(values: list[float], fraction: float) -> float | None:
    """The continuous percentile of `values` (any order), as PostgreSQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class _SqlitePercentile:
    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction) -> None:
        if value is not None:
            self.values.append(float(value))
            self.fraction = float(fraction)

    def finalize(self) -> float | None:
        return percentile_of(self.values, self.fraction)


def sqlite_functions_register(sender, connection, **kwargs) -> None:
    """`connection_created` receiver (wired in the monitoring app's ready())."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("maestro_percentile", 2, _SqlitePercentile)
