"""Sign-in back-off per account and address: a stranger's wrong passwords no longer lock the owner out.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', tracker.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('known', sa.Boolean(), nullable=False),
    sa.Column('last_failure_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_login_throttle_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_throttle')),
    sa.UniqueConstraint('user_id', 'address', name=op.f('uq_login_throttle_user_id_address'))
    )
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttle_user_id'), ['user_id'], unique=False)
    # the addresses people already signed in from are known ones: nobody is held back by the upgrade
    op.execute("INSERT INTO login_throttle (user_id, address, failures, known) "
               "SELECT DISTINCT user_id, ip, 0, true FROM login_session WHERE ip IS NOT NULL")
    # the old account-wide lock meant something else; the new one starts from nothing
    op.execute("UPDATE app_user SET failed_logins = 0, locked_until = NULL")


def downgrade() -> None:
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttle_user_id'))

    op.drop_table('login_throttle')
