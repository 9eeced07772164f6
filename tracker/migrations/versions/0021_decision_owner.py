"""A decision can reassign a measure's owner: the organization that leads it from then on.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('new_owner_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_decision_new_owner_id_organization'), 'organization',
                                    ['new_owner_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_decision_new_owner_id_organization'), type_='foreignkey')
        batch_op.drop_column('new_owner_id')
