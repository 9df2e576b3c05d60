"""Portable SQL for durations and JSON fields, so reports aggregate in the database on SQLite and PostgreSQL."""

from sqlalchemy import Float, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class days_between(FunctionElement):
    """Days (fractional) from the first timestamp to the second."""

    type = Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between_default(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)})) / 86400.0)"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"


class json_int(FunctionElement):
    """An integer field of a JSON text column, e.g. json_int(HistoryEvent.detail, "previous")."""

    type = Integer()
    inherit_cache = True
    name = "json_int"


def _json_parts(element, compiler, **kw) -> tuple[str, str]:
    column, field = list(element.clauses)
    return compiler.process(column, **kw), compiler.process(field, **kw)


@compiles(json_int)
def _json_int_default(element, compiler, **kw):
    column, field = _json_parts(element, compiler, **kw)
    return f"CAST((CAST({column} AS JSON) ->> {field}) AS INTEGER)"


@compiles(json_int, "sqlite")
def _json_int_sqlite(element, compiler, **kw):
    column, field = _json_parts(element, compiler, **kw)
    return f"CAST(json_extract({column}, '$.' || {field}) AS INTEGER)"
