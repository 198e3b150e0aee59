"""person_identifiers (OneRoster userIds: Feide user ids, national identity numbers) and
oidc_logins (sign-ins with an OpenID provider in progress)

Revision ID: 0010_sign_in_identifiers
Revises: 0009_security
Create Date: 2026-12-04 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.models.base import UTCDateTime

revision: str = '0010_sign_in_identifiers'
down_revision: str | None = '0009_security'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'person_identifiers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('scheme', sa.String(length=64), nullable=False),
        sa.Column('value', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('scheme', 'value'),
    )
    op.create_index('ix_person_identifiers_person_id', 'person_identifiers', ['person_id'], unique=False)
    op.create_table(
        'oidc_logins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('state_hash', sa.String(length=64), nullable=False),
        sa.Column('browser_hash', sa.String(length=64), nullable=False),
        sa.Column('provider', sa.String(length=64), nullable=False),
        sa.Column('nonce', sa.String(length=128), nullable=False),
        sa.Column('code_verifier', sa.String(length=128), nullable=False),
        sa.Column('next_path', sa.String(length=1000), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('state_hash'),
    )
    op.create_index('ix_oidc_logins_expires_at', 'oidc_logins', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_oidc_logins_expires_at', table_name='oidc_logins')
    op.drop_table('oidc_logins')
    op.drop_index('ix_person_identifiers_person_id', table_name='person_identifiers')
    op.drop_table('person_identifiers')
