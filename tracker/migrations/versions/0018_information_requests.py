"""Requests for information on the execution of a measure, and their answers (seed 001).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 20:06:57
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('information_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('asked_for_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['app_user.id'], name=op.f('fk_information_request_answered_by_id_app_user')),
    sa.ForeignKeyConstraint(['asked_by_id'], ['app_user.id'], name=op.f('fk_information_request_asked_by_id_app_user')),
    sa.ForeignKeyConstraint(['asked_for_id'], ['organization.id'], name=op.f('fk_information_request_asked_for_id_organization')),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], name=op.f('fk_information_request_obligation_id_obligation')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_information_request_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_information_request'))
    )
    with op.batch_alter_table('information_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_information_request_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_information_request_obligation_id'), ['obligation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_information_request_organization_id'), ['organization_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('information_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_information_request_organization_id'))
        batch_op.drop_index(batch_op.f('ix_information_request_obligation_id'))
        batch_op.drop_index(batch_op.f('ix_information_request_due_on'))

    op.drop_table('information_request')
