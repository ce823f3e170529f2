"""Database lookups Django does not ship, written for the two databases Maestro runs on."""

from django.db import NotSupportedError
from django.db.models import Lookup


class JSONListHasCode(Lookup):
    """`field__has_code="x"`: a JSON list holds an object whose "code" is x (a decision's
    reasons, `[{"code": ..., "message": ...}, …]`). Django's `contains` on JSON does not run
    on SQLite, hence one form per database: PostgreSQL's containment (`@>`, which a GIN index
    can serve), SQLite's `json_each`."""

    lookup_name = "has_code"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [str(value)]

    def as_sql(self, compiler, connection):
        raise NotSupportedError(f"has_code is not written for {connection.vendor}.")

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        sql = f"{lhs} @> jsonb_build_array(jsonb_build_object('code', ({rhs})::text))"
        return sql, [*lhs_params, *rhs_params]

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # CASE: json_extract would fail on an item that is not JSON text (a bare string).
        sql = (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) AS item WHERE CASE WHEN item.type = "
            f"'object' THEN json_extract(item.value, '$.code') END = {rhs})"
        )
        return sql, [*lhs_params, *rhs_params]
