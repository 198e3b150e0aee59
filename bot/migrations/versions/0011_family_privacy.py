"""deletion_requests (a guardian or pupil asks for the pupil's data to be deleted, a school
admin confirms) and the school's conversation retention (days, default 90)

Revision ID: 0011_family_privacy
Revises: 0010_sign_in_identifiers
Create Date: 2026-12-04 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.models.base import UTCDateTime

revision: str = '0011_family_privacy'
down_revision: str | None = '0010_sign_in_identifiers'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conversation_retention_days', sa.Integer(), server_default='90',
                                      nullable=False))
    op.create_table(
        'deletion_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pupil_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', UTCDateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['pupil_id'], ['people.id']),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id']),
        sa.ForeignKeyConstraint(['requested_by_id'], ['people.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_deletion_requests_pupil_id', 'deletion_requests', ['pupil_id'])
    op.create_index('ix_deletion_requests_school_id', 'deletion_requests', ['school_id'])


def downgrade() -> None:
    op.drop_index('ix_deletion_requests_school_id', table_name='deletion_requests')
    op.drop_index('ix_deletion_requests_pupil_id', table_name='deletion_requests')
    op.drop_table('deletion_requests')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('conversation_retention_days')
