"""import: OneRoster courses and gradebook categories

Revision ID: 0003_import
Revises: 0002
Create Date: 2026-11-29 08:02:41.253211

A delta OneRoster export may send a class without its course, or a lineItem without its
category; these two tables keep what earlier imports said about them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models.base


revision: str = '0003_import'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('assignment_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sourced_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.Enum('homework', 'test', 'project', 'bring', name='assignmentkind', native_enum=False, length=24), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_categories')),
    sa.UniqueConstraint('sourced_id', name=op.f('uq_assignment_categories_sourced_id'))
    )
    op.create_table('courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sourced_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('course_code', sa.String(length=64), nullable=True),
    sa.Column('subject_code', sa.String(length=32), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_courses_school_id_schools')),
    sa.ForeignKeyConstraint(['subject_code'], ['subjects.code'], name=op.f('fk_courses_subject_code_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses')),
    sa.UniqueConstraint('sourced_id', name=op.f('uq_courses_sourced_id'))
    )


def downgrade() -> None:
    op.drop_table('courses')
    op.drop_table('assignment_categories')
