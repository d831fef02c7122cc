"""Satisfaction surveys (CSAT) after handoffs: `csat_surveys` (bot/handoff/models.py, bot/handoff/csat.py).

One row per handoff that ended (handed back, closed idle, or given back by the Page Inbox): whether the
survey went (`sent`, `not_sent` with the reason), and the customer's one answer (score 1 to 5, masked comment).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 19:57:15.864875+00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from bot.utc_datetime import UtcDateTime

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('csat_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=255), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('agent', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answered_at', UtcDateTime(), nullable=True),
    sa.Column('answered_via', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('handoff_id')
    )
    with op.batch_alter_table('csat_surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_csat_surveys_conversation_id'), ['conversation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('csat_surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_csat_surveys_conversation_id'))

    op.drop_table('csat_surveys')
