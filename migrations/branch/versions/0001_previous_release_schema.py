"""The branch database as the release before migrations made it.

Staff accounts, console sessions and the login throttle (bot/staff/models.py);
the handoff queue and its append-only audit of what staff did
(bot/handoff/models.py): the tables, columns and indexes `create_all` made.

Rule: a table that exists already is left as it is. Databases of the release
before migrations come here with all or some of these tables (each package
created its own when first used): bot/db_migrations.py stamps the first kind
and runs this revision on the second, which then creates only what is missing.

Revision ID: 0001
Revises:
Create Date: 2026-12-04 18:31:12.776116+00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from bot.utc_datetime import UtcDateTime

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_OPEN = "status IN ('waiting', 'taken')"


def _missing(table: str) -> bool:
    """True unless the table exists (`--sql` output, written without a database, creates every table)."""
    return op.get_context().as_sql or not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing("staff_accounts"):
        op.create_table(
            "staff_accounts",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("username", sa.String(length=64), nullable=False),
            sa.Column("display_name", sa.String(length=120), nullable=False),
            sa.Column("password_hash", sa.String(length=255), nullable=False),
            sa.Column("created_at", UtcDateTime(), nullable=False),
            sa.Column("disabled", sa.Boolean(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("username"),
        )
    if _missing("staff_sessions"):
        op.create_table(
            "staff_sessions",
            sa.Column("id_hash", sa.String(length=64), nullable=False),
            sa.Column("account_id", sa.Integer(), nullable=False),
            sa.Column("csrf_token", sa.String(length=64), nullable=False),
            sa.Column("created_at", UtcDateTime(), nullable=False),
            sa.Column("last_seen_at", UtcDateTime(), nullable=False),
            sa.ForeignKeyConstraint(["account_id"], ["staff_accounts.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id_hash"),
        )
        op.create_index("ix_staff_sessions_account_id", "staff_sessions", ["account_id"], unique=False)
    if _missing("staff_login_throttle"):
        op.create_table(
            "staff_login_throttle",
            sa.Column("username", sa.String(length=64), nullable=False),
            sa.Column("failures", sa.Integer(), nullable=False),
            sa.Column("window_started_at", UtcDateTime(), nullable=True),
            sa.Column("locked_until", UtcDateTime(), nullable=True),
            sa.PrimaryKeyConstraint("username"),
        )
    if _missing("handoffs"):
        op.create_table(
            "handoffs",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("conversation_id", sa.String(length=255), nullable=False),
            sa.Column("channel", sa.String(length=32), nullable=False),
            sa.Column("reason", sa.String(length=32), nullable=False),
            sa.Column("last_customer_message", sa.Text(), nullable=False),
            sa.Column("requested_at", UtcDateTime(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("taken_by", sa.String(length=255), nullable=True),
            sa.Column("taken_at", UtcDateTime(), nullable=True),
            sa.Column("returned_at", UtcDateTime(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_handoffs_conversation_id", "handoffs", ["conversation_id"], unique=False)
        op.create_index("ix_handoffs_status", "handoffs", ["status"], unique=False)
        # At most one open handoff per conversation.
        op.create_index("ux_handoffs_open_conversation", "handoffs", ["conversation_id"], unique=True,
                        sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN))
    if _missing("handoff_agent_actions"):
        op.create_table(
            "handoff_agent_actions",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("handoff_id", sa.Integer(), nullable=False),
            sa.Column("agent", sa.String(length=255), nullable=False),
            sa.Column("action", sa.String(length=16), nullable=False),
            sa.Column("at", UtcDateTime(), nullable=False),
            sa.Column("detail", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_handoff_agent_actions_handoff_id", "handoff_agent_actions", ["handoff_id"], unique=False)


def downgrade() -> None:
    """For development databases only: the staff accounts and the audit of staff actions go with the tables."""
    op.drop_index("ix_handoff_agent_actions_handoff_id", table_name="handoff_agent_actions")
    op.drop_table("handoff_agent_actions")
    op.drop_index("ux_handoffs_open_conversation", table_name="handoffs")
    op.drop_index("ix_handoffs_status", table_name="handoffs")
    op.drop_index("ix_handoffs_conversation_id", table_name="handoffs")
    op.drop_table("handoffs")
    op.drop_table("staff_login_throttle")
    op.drop_index("ix_staff_sessions_account_id", table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_table("staff_accounts")
