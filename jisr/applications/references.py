"""File references JISR-YYYY-NNNNNN, without gaps or duplicates under concurrent submits.

The counter row is incremented with UPDATE ... RETURNING inside the submitting transaction: the
row lock (PostgreSQL) or the write lock (SQLite) serialises submitters, and a rollback returns the
number, so numbers are never skipped."""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from jisr.applications.models import ReferenceCounter
from jisr.extensions import db

PREFIX = "JISR"


def next_reference(year: int) -> str:
    table = ReferenceCounter.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(table).values(year=year, last_value=0).on_conflict_do_nothing())
    value = db.session.execute(
        sa.update(table)
        .where(table.c.year == year)
        .values(last_value=table.c.last_value + 1)
        .returning(table.c.last_value)
    ).scalar_one()
    return f"{PREFIX}-{year}-{value:06d}"
