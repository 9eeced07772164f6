"""Each section's checkpoints per lead class over every due day, kept beside section_tally: today's tally read the
38,908 section_tally rows of a national deployment to split them at today (13 ms of home's 58, of the dashboard's
and of every secretary's digest part); it now reads a section's whole per class here (2,000 rows) and takes away
the rows not yet due, found by an index on the due day (3,907 rows at national scale, fewer as instruments age).

- `section_class_tally`: section_tally summed per (section, lead class). A trigger on section_tally adds each row's
  change to its key, so it follows every write section_tally follows, bulk loads included.
- `ix_section_tally_due_on`: the rows due from a day on.

tests/test_kept_figures.py proves the kept sums equal section_tally's after every kind of write, and today's tally
equal to the states judged checkpoint by checkpoint.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0033'
down_revision: str | None = '0032'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUMS = ("checkpoints", "co_answered", "co_total", "accepted", "submitted")
_KEY = "(section_id, lead_class)"


def _take_out(row: str) -> str:
    """Subtract a section_tally row from its key's sums."""
    less = ", ".join(f"{name} = {name} - {row}.{name}" for name in _SUMS)
    return f"UPDATE section_class_tally SET {less} WHERE section_id = {row}.section_id AND lead_class = {row}.lead_class"


def _move_within(old: str, new: str) -> str:
    """Add a section_tally row's change to its key's sums, its key unchanged."""
    moved = ", ".join(f"{name} = {name} + {new}.{name} - {old}.{name}" for name in _SUMS)
    return f"UPDATE section_class_tally SET {moved} WHERE section_id = {new}.section_id AND lead_class = {new}.lead_class"


def _put_in(row: str) -> str:
    """Add a section_tally row to its key's sums, creating the key."""
    added = ", ".join(f"{name} = section_class_tally.{name} + excluded.{name}" for name in _SUMS)
    return (f"INSERT INTO section_class_tally (section_id, lead_class, {', '.join(_SUMS)}) "
            f"VALUES ({row}.section_id, {row}.lead_class, {', '.join(f'{row}.{name}' for name in _SUMS)}) "
            f"ON CONFLICT {_KEY} DO UPDATE SET {added}")


def upgrade() -> None:
    op.create_table('section_class_tally',
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('lead_class', sa.Integer(), nullable=False),
    *(sa.Column(name, sa.Integer(), nullable=False) for name in _SUMS),
    sa.ForeignKeyConstraint(['section_id'], ['section.id'], name=op.f('fk_section_class_tally_section_id_section')),
    sa.PrimaryKeyConstraint('section_id', 'lead_class', name=op.f('pk_section_class_tally'))
    )
    op.create_index('ix_section_tally_due_on', 'section_tally', ['due_on'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION section_tally_rolls_up() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND OLD.section_id = NEW.section_id AND OLD.lead_class = NEW.lead_class THEN
                    {_move_within("OLD", "NEW")};  -- a count changed under its key: one statement, not two
                    RETURN NULL;
                END IF;
                IF TG_OP <> 'INSERT' THEN
                    {_take_out("OLD")};
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    {_put_in("NEW")};
                END IF;
                RETURN NULL;
            END $$""")
        op.execute("CREATE TRIGGER section_tally_rolled_up AFTER INSERT OR DELETE OR UPDATE ON section_tally "
                   "FOR EACH ROW EXECUTE FUNCTION section_tally_rolls_up()")
    else:
        op.execute(f"CREATE TRIGGER section_tally_rolled_up_insert AFTER INSERT ON section_tally "
                   f"BEGIN {_put_in('NEW')}; END")
        op.execute(f"CREATE TRIGGER section_tally_rolled_up_update AFTER UPDATE ON section_tally "
                   f"BEGIN {_take_out('OLD')}; {_put_in('NEW')}; END")
        op.execute(f"CREATE TRIGGER section_tally_rolled_up_delete AFTER DELETE ON section_tally "
                   f"BEGIN {_take_out('OLD')}; END")
    op.execute(f"INSERT INTO section_class_tally (section_id, lead_class, {', '.join(_SUMS)}) "
               f"SELECT section_id, lead_class, {', '.join(f'sum({name})' for name in _SUMS)} "
               f"FROM section_tally GROUP BY section_id, lead_class")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER section_tally_rolled_up ON section_tally")
        op.execute("DROP FUNCTION section_tally_rolls_up()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER section_tally_rolled_up_{event}")
    op.drop_index('ix_section_tally_due_on', table_name='section_tally')
    op.drop_table('section_class_tally')
