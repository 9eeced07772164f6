"""Mail: an outbox of rendered messages with retries, notification claims per item, digest preference.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 00:42:22.009092
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('to_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['recipient_id'], ['app_user.id'], name=op.f('fk_outbox_message_recipient_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index('ix_outbox_message_status_next', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_frequency', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='quarterly'))

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('outbox_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notification_outbox_id'), ['outbox_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notification_outbox_id_outbox_message'), 'outbox_message', ['outbox_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_notification_report_id_report'), 'report', ['report_id'], ['id'])
        batch_op.drop_column('sent_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('status')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('last_error')


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_error', sa.TEXT(), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('status', sa.VARCHAR(length=16), nullable=False, server_default='claimed'))
        batch_op.add_column(sa.Column('attempts', sa.INTEGER(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('sent_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('fk_notification_report_id_report'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notification_outbox_id_outbox_message'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notification_outbox_id'))
        batch_op.drop_column('outbox_id')
        batch_op.drop_column('report_id')

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('digest_frequency')

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_status_next')
        batch_op.drop_index(batch_op.f('ix_outbox_message_recipient_id'))

    op.drop_table('outbox_message')
