"""Initial schema: instruments, organizations, obligations, checkpoints, reports and their history.

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 23:57:48.256268
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('email', name=op.f('uq_app_user_email'))
    )
    op.create_table('instrument',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('title_ru', sa.Text(), nullable=False),
    sa.Column('title_kk', sa.Text(), nullable=True),
    sa.Column('title_en', sa.Text(), nullable=True),
    sa.Column('approved_by', sa.Text(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('validity_note', sa.Text(), nullable=True),
    sa.Column('completeness', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('completeness_note', sa.Text(), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('numbering_note', sa.Text(), nullable=True),
    sa.Column('parties', sa.JSON(), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('retired_at', tracker.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument')),
    sa.UniqueConstraint('key', name=op.f('uq_instrument_key'))
    )
    op.create_table('organization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name_ru', sa.Text(), nullable=False),
    sa.Column('name_kk', sa.Text(), nullable=True),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('is_group', sa.Boolean(), nullable=False),
    sa.Column('group_reports', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('retired_at', tracker.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization')),
    sa.UniqueConstraint('code', name=op.f('uq_organization_code'))
    )
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('object_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('object_id', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_audit_event_actor_id_app_user')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_audit_event_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('group_membership',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['organization.id'], name=op.f('fk_group_membership_group_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['organization.id'], name=op.f('fk_group_membership_member_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'member_id', name=op.f('pk_group_membership'))
    )
    op.create_table('section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title_ru', sa.Text(), nullable=False),
    sa.Column('title_kk', sa.Text(), nullable=True),
    sa.Column('title_en', sa.Text(), nullable=True),
    sa.Column('retired_at', tracker.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_section_instrument_id_instrument')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_section')),
    sa.UniqueConstraint('instrument_id', 'number', name=op.f('uq_section_instrument_id_number'))
    )
    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_section_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('obligation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('deadline_text', sa.Text(), nullable=False),
    sa.Column('deadline_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('deadline_note', sa.Text(), nullable=True),
    sa.Column('owners_text', sa.Text(), nullable=False),
    sa.Column('owners_note', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('source_document', sa.Text(), nullable=True),
    sa.Column('source_quote', sa.Text(), nullable=True),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('retired_at', tracker.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_obligation_instrument_id_instrument')),
    sa.ForeignKeyConstraint(['section_id'], ['section.id'], name=op.f('fk_obligation_section_id_section')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obligation')),
    sa.UniqueConstraint('key', name=op.f('uq_obligation_key'))
    )
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_obligation_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_obligation_section_id'), ['section_id'], unique=False)

    op.create_table('checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('original_due_on', sa.Date(), nullable=False),
    sa.Column('is_event', sa.Boolean(), nullable=False),
    sa.Column('retired_at', tracker.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], name=op.f('fk_checkpoint_obligation_id_obligation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkpoint')),
    sa.UniqueConstraint('obligation_id', 'period', name=op.f('uq_checkpoint_obligation_id_period'))
    )
    with op.batch_alter_table('checkpoint', schema=None) as batch_op:
        batch_op.create_index('ix_checkpoint_due_on', ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkpoint_obligation_id'), ['obligation_id'], unique=False)

    op.create_table('obligation_owner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_lead', sa.Boolean(), nullable=False),
    sa.Column('is_by_agreement', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], name=op.f('fk_obligation_owner_obligation_id_obligation')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_obligation_owner_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obligation_owner')),
    sa.UniqueConstraint('obligation_id', 'organization_id', name=op.f('uq_obligation_owner_obligation_id_organization_id'))
    )
    with op.batch_alter_table('obligation_owner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_obligation_owner_obligation_id'), ['obligation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_obligation_owner_organization_id'), ['organization_id'], unique=False)

    op.create_table('deadline_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('old_due_on', sa.Date(), nullable=False),
    sa.Column('new_due_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['app_user.id'], name=op.f('fk_deadline_change_changed_by_id_app_user')),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoint.id'], name=op.f('fk_deadline_change_checkpoint_id_checkpoint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_change'))
    )
    with op.batch_alter_table('deadline_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_change_checkpoint_id'), ['checkpoint_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('checkpoint_id', sa.Integer(), nullable=True),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('claimed_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', tracker.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', tracker.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoint.id'], name=op.f('fk_notification_checkpoint_id_checkpoint')),
    sa.ForeignKeyConstraint(['recipient_id'], ['app_user.id'], name=op.f('fk_notification_recipient_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notification_dedupe_key'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_recipient_id'), ['recipient_id'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('via_group_id', sa.Integer(), nullable=True),
    sa.Column('is_lead', sa.Boolean(), nullable=False),
    sa.Column('is_by_agreement', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('submitted_at', tracker.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('retired_at', tracker.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoint.id'], name=op.f('fk_report_checkpoint_id_checkpoint')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_report_organization_id_organization')),
    sa.ForeignKeyConstraint(['via_group_id'], ['organization.id'], name=op.f('fk_report_via_group_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
    sa.UniqueConstraint('checkpoint_id', 'organization_id', name=op.f('uq_report_checkpoint_id_organization_id'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_checkpoint_id'), ['checkpoint_id'], unique=False)
        batch_op.create_index('ix_report_organization_id_status', ['organization_id', 'status'], unique=False)

    op.create_table('status_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('covers_period', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('reason_source', sa.Text(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], name=op.f('fk_status_update_author_id_app_user')),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_status_update_report_id_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_update'))
    )
    with op.batch_alter_table('status_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_update_report_id'), ['report_id'], unique=False)

    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('status_update_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('covers_period', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_evidence_report_id_report')),
    sa.ForeignKeyConstraint(['status_update_id'], ['status_update.id'], name=op.f('fk_evidence_status_update_id_status_update')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['app_user.id'], name=op.f('fk_evidence_uploaded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_report_id'), ['report_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_report_id'))

    op.drop_table('evidence')
    with op.batch_alter_table('status_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_update_report_id'))

    op.drop_table('status_update')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_organization_id_status')
        batch_op.drop_index(batch_op.f('ix_report_checkpoint_id'))

    op.drop_table('report')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_recipient_id'))

    op.drop_table('notification')
    with op.batch_alter_table('deadline_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_change_checkpoint_id'))

    op.drop_table('deadline_change')
    with op.batch_alter_table('obligation_owner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_obligation_owner_organization_id'))
        batch_op.drop_index(batch_op.f('ix_obligation_owner_obligation_id'))

    op.drop_table('obligation_owner')
    with op.batch_alter_table('checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkpoint_obligation_id'))
        batch_op.drop_index('ix_checkpoint_due_on')

    op.drop_table('checkpoint')
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_obligation_section_id'))
        batch_op.drop_index(batch_op.f('ix_obligation_instrument_id'))

    op.drop_table('obligation')
    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_section_instrument_id'))

    op.drop_table('section')
    op.drop_table('group_membership')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_occurred_at'))
        batch_op.drop_index('ix_audit_event_object')

    op.drop_table('audit_event')
    op.drop_table('organization')
    op.drop_table('instrument')
    op.drop_table('app_user')
