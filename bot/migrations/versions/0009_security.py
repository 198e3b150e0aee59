"""phone_pins (a PIN for personal answers on phone calls: caller ID can be forged) and
attempt_counters (link-code tries per network and per hour, shared between processes);
the school policies unknown_birth_date and teachers_broadcast_widely

Revision ID: 0009_security
Revises: 0008_language_and_changes
Create Date: 2026-12-03 23:50:00
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from bot.models.base import UTCDateTime

revision: str = '0009_security'
down_revision: str | None = '0008_language_and_changes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unknown_birth_date', sa.String(length=8), server_default='minor', nullable=False))
        batch_op.add_column(sa.Column('teachers_broadcast_widely', sa.Boolean(), server_default='0', nullable=False))
    op.create_table(
        'phone_pins',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('pin_hash', sa.String(length=160), nullable=False),
        sa.Column('set_at', UTCDateTime(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_until', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('person_id'),
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', UTCDateTime(), nullable=True))
    # Tokens issued before expiry existed end a year after they were made.
    tokens = sa.table('api_tokens', sa.column('id', sa.Integer()), sa.column('created_at', UTCDateTime()),
                      sa.column('expires_at', UTCDateTime()))
    connection = op.get_bind()
    for token_id, created in connection.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        connection.execute(sa.update(tokens).where(tokens.c.id == token_id)
                           .values(expires_at=created + timedelta(days=365)))
    # Activity statement ids become unique per school: ids a platform sent are stored with
    # the school they came from (the pupil's school).
    activities = sa.table('activities', sa.column('id', sa.Integer()), sa.column('statement_id', sa.String()),
                          sa.column('pupil_id', sa.Integer()), sa.column('source', sa.String()))
    memberships = sa.table('memberships', sa.column('person_id', sa.Integer()), sa.column('group_id', sa.Integer()))
    groups = sa.table('groups', sa.column('id', sa.Integer()), sa.column('school_id', sa.Integer()))
    rows = connection.execute(sa.select(activities.c.id, activities.c.statement_id, activities.c.pupil_id)
                              .where(activities.c.source == 'api')).all()
    for activity_id, statement_id, pupil_id in rows:
        school_id = connection.execute(
            sa.select(groups.c.school_id).join(memberships, memberships.c.group_id == groups.c.id)
            .where(memberships.c.person_id == pupil_id).limit(1)).scalar()
        if school_id is not None and not statement_id.startswith('school'):
            connection.execute(sa.update(activities).where(activities.c.id == activity_id)
                               .values(statement_id=f'school{school_id}:{statement_id}'))
    op.create_table(
        'attempt_counters',
        sa.Column('key', sa.String(length=190), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_attempt_counters_expires_at', 'attempt_counters', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_attempt_counters_expires_at', table_name='attempt_counters')
    op.drop_table('attempt_counters')
    op.drop_table('phone_pins')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('teachers_broadcast_widely')
        batch_op.drop_column('unknown_birth_date')
