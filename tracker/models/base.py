"""What every table model shares: the constraint naming convention, UTC timestamps, JSON columns."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import JSON, Column, DateTime, MetaData, TypeDecorator
from sqlmodel import Field, SQLModel

from tracker.timeutil import now_utc

# Named constraints keep Alembic migrations stable and SQLite batch operations possible.
SQLModel.metadata.naming_convention = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
).naming_convention


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite forgets the zone; this puts it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: pass an aware UTC datetime")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def timestamp(**kwargs) -> Field:
    return Field(default_factory=now_utc, sa_type=UTCDateTime, **kwargs)


def optional_timestamp(**kwargs) -> Field:
    return Field(default=None, sa_type=UTCDateTime, **kwargs)


def counter() -> Field:
    """A count the database keeps (never written by the application)."""
    return Field(default=0, sa_column_kwargs={"server_default": "0"})


def json_column(default) -> Field:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


def is_live(model):
    """The condition "not retired" on a soft-deleted model (rows that leave the roadmaps keep their history)."""
    return model.retired_at.is_(None)
