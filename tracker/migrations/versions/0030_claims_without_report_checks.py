"""A claim names the report and checkpoint it told of without a foreign key to them: each key locked the report's and
the checkpoint's row for every one of a national quarter end's 307,075 claims (3–4 s of the tick's 30). Reports and
checkpoints are never deleted (they are retired), so a claim's link cannot be left dangling; the keys to the
recipient and to the email that told of it stay.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 11:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0030'
down_revision: str | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notification_report_id_report'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notification_checkpoint_id_checkpoint'), type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_notification_checkpoint_id_checkpoint'), 'checkpoint',
                                    ['checkpoint_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_notification_report_id_report'), 'report', ['report_id'], ['id'])
