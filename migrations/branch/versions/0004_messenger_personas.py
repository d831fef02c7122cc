"""Advisors' personas on the Messenger page: `messenger_personas` (bot/handoff/personas.py).

One row per advisor (username) who answered a Messenger customer: the persona's id at Meta, and the name and
picture it was created with (a new persona replaces it when either changes).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 00:00:00.000000+00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from bot.utc_datetime import UtcDateTime

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('messenger_personas',
    sa.Column('agent', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('picture_url', sa.String(length=500), nullable=False),
    sa.Column('persona_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('agent')
    )


def downgrade() -> None:
    op.drop_table('messenger_personas')
