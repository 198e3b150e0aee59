"""profile_history (every change of a pupil's profile, for "who set it, when" and undo) and
subject_status (a teacher's status of a pupil per subject and dimension)

Revision ID: 0012_profile_history
Revises: 0011_family_privacy
Create Date: 2026-12-04 11:33:28

The aim_status and subject_status dimensions gain experience and attitudes (a VARCHAR
column without a constraint: no change to existing tables).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models.base

revision: str = '0012_profile_history'
down_revision: str | None = '0011_family_privacy'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('profile_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('dimension', sa.Enum('knowledge', 'skills', 'performance', 'understanding', 'experience', 'attitudes', name='dimension', native_enum=False, length=24), nullable=True),
    sa.Column('source', sa.Enum('teacher', 'guardian', 'self', 'computed', name='source', native_enum=False, length=24), nullable=False),
    sa.Column('value', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('previous', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('previous_set_by_id', sa.Integer(), nullable=True),
    sa.Column('previous_set_at', bot.models.base.UTCDateTime(), nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', bot.models.base.UTCDateTime(), nullable=False),
    sa.Column('undoes_id', sa.Integer(), nullable=True),
    sa.Column('undone_at', bot.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['previous_set_by_id'], ['people.id'], name=op.f('fk_profile_history_previous_set_by_id_people')),
    sa.ForeignKeyConstraint(['pupil_id'], ['people.id'], name=op.f('fk_profile_history_pupil_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['people.id'], name=op.f('fk_profile_history_set_by_id_people')),
    sa.ForeignKeyConstraint(['undoes_id'], ['profile_history.id'], name=op.f('fk_profile_history_undoes_id_profile_history')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_history'))
    )
    with op.batch_alter_table('profile_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_history_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('subject_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('subject_code', sa.String(length=32), nullable=False),
    sa.Column('dimension', sa.Enum('knowledge', 'skills', 'performance', 'understanding', 'experience', 'attitudes', name='dimension', native_enum=False, length=24), nullable=False),
    sa.Column('level', sa.Float(), nullable=False),
    sa.Column('source', sa.Enum('teacher', 'guardian', 'self', 'computed', name='source', native_enum=False, length=24), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', bot.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['people.id'], name=op.f('fk_subject_status_pupil_id_people')),
    sa.ForeignKeyConstraint(['set_by_id'], ['people.id'], name=op.f('fk_subject_status_set_by_id_people')),
    sa.ForeignKeyConstraint(['subject_code'], ['subjects.code'], name=op.f('fk_subject_status_subject_code_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_status')),
    sa.UniqueConstraint('pupil_id', 'subject_code', 'dimension', 'source', name=op.f('uq_subject_status_pupil_id_subject_code_dimension_source'))
    )
    with op.batch_alter_table('subject_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_status_pupil_id'), ['pupil_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('subject_status', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_status_pupil_id'))

    op.drop_table('subject_status')
    with op.batch_alter_table('profile_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_history_pupil_id'))

    op.drop_table('profile_history')
