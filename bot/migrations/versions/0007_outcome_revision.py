"""resource_outcomes.revision: a change stamp for readers that keep the counters in memory

Revision ID: 0007_outcome_revision
Revises: 0006_scheduler
Create Date: 2026-11-29 15:40:00

Every upsert of a resource's outcome counters stamps the row with a commit-ordered revision
(SQLite: one more than the highest, taken under the write lock; PostgreSQL: the writing
transaction's id). The action server keeps the counters in memory and reads only the rows
changed since its last look (bot.learning.resource_profile.OutcomeCache).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007_outcome_revision'
down_revision: str | None = '0006_scheduler'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('resource_outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.create_index('ix_resource_outcomes_revision', ['revision'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('resource_outcomes', schema=None) as batch_op:
        batch_op.drop_index('ix_resource_outcomes_revision')
        batch_op.drop_column('revision')
