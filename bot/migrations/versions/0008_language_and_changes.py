"""people.language_chosen and the changes table (undo of conversational state changes)

Revision ID: 0008_language_and_changes
Revises: 0007_outcome_revision
Create Date: 2026-12-03 10:00:00

A reply follows the language a message is written in unless the person chose a language
(``language_chosen``); ``language`` keeps the one last used, for reminders. ``changes``
records each state change made by conversation (absence, message to a teacher, reminder
settings) so that "angre"/"undo" can reverse the latest one for a while.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.models.base import UTCDateTime

revision: str = '0008_language_and_changes'
down_revision: str | None = '0007_outcome_revision'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language_chosen', sa.Boolean(), server_default='0', nullable=False))
    op.create_table(
        'changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('undone_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_changes_person_id', 'changes', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_changes_person_id', table_name='changes')
    op.drop_table('changes')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('language_chosen')
