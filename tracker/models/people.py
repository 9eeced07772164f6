"""People: accounts, their roles, login sessions and one-time tokens."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import timestamp


class User(SQLModel, table=True):
    """A person who signs in."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=255)
    language: str = Field(default="ru", max_length=8)
    #: stored as `active`; Flask-Login's `is_active` is a property on top of it
    active: bool = True
    created_at: datetime = timestamp()

    def __repr__(self) -> str:
        return f"<User {self.email}>"
