"""The compliance archive as the release before migrations made it.

The entries, the chain head (one row, the empty chain's) and the purge anchor
(bot/archive/models.py), and the database's own guard of the entries: on
PostgreSQL a trigger refuses every UPDATE and every DELETE outside a purge
(whose transaction sets `branch.archive_purge`); on SQLite, which has no
session settings, a trigger refuses UPDATE.

Rules: an object that exists already is left as it is (databases of the
release before migrations, see bot/db_migrations.py). The SQL below is frozen
here: a later change to the guard is a new revision, never an edit of this one.
No revision drops archive rows, so this one has no downgrade.

Revision ID: 0001
Revises:
Create Date: 2026-12-04 18:31:13.044980+00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from bot.utc_datetime import UtcDateTime

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

GENESIS_HASH = "0" * 64  # the empty chain's head hash
HEAD_ID = 1

_PG_GUARD = """
CREATE OR REPLACE FUNCTION archive_entries_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('branch.archive_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'archive rows are never % (append-only archive)', lower(TG_OP) || 'd';
END;
$$ LANGUAGE plpgsql
"""
_PG_TRIGGER = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'archive_entries_append_only') THEN
    CREATE TRIGGER archive_entries_append_only BEFORE UPDATE OR DELETE ON archive_entries
      FOR EACH ROW EXECUTE FUNCTION archive_entries_guard();
  END IF;
END $$
"""
_SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS archive_entries_no_update BEFORE UPDATE ON archive_entries
BEGIN SELECT RAISE(ABORT, 'archive rows are never updated (append-only archive)'); END
"""
_HEAD_ROW = f"""
INSERT INTO archive_head (id, seq, row_hash)
SELECT {HEAD_ID}, 0, '{GENESIS_HASH}' WHERE NOT EXISTS (SELECT 1 FROM archive_head WHERE id = {HEAD_ID})
"""


def _missing(table: str) -> bool:
    """True unless the table exists (`--sql` output, written without a database, creates every table)."""
    return op.get_context().as_sql or not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing("archive_entries"):
        op.create_table(
            "archive_entries",
            sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False,
                      nullable=False),
            sa.Column("at", UtcDateTime(), nullable=False),
            sa.Column("channel", sa.String(length=32), nullable=False),
            sa.Column("conversation_id", sa.String(length=255), nullable=False),
            sa.Column("direction", sa.String(length=16), nullable=False),
            sa.Column("kind", sa.String(length=32), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("agent", sa.String(length=100), nullable=True),
            sa.Column("reference", sa.String(length=100), nullable=True),
            sa.Column("prev_hash", sa.String(length=64), nullable=False),
            sa.Column("row_hash", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("seq"),
        )
        op.create_index("ix_archive_entries_at", "archive_entries", ["at"], unique=False)
        op.create_index("ix_archive_entries_conversation_id", "archive_entries", ["conversation_id"], unique=False)
    if _missing("archive_head"):
        op.create_table(
            "archive_head",
            sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("seq", sa.BigInteger(), nullable=False),
            sa.Column("row_hash", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    if _missing("archive_anchor"):
        op.create_table(
            "archive_anchor",
            sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("through_seq", sa.BigInteger(), nullable=False),
            sa.Column("through_hash", sa.String(length=64), nullable=False),
            sa.Column("purged_at", UtcDateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_GUARD)
        op.execute(_PG_TRIGGER)
    elif dialect == "sqlite":
        op.execute(_SQLITE_TRIGGER)
    op.execute(_HEAD_ROW)


def downgrade() -> None:
    raise RuntimeError("the compliance archive is kept for six years: no migration drops it "
                       "(to go back, restore the database from a backup)")
