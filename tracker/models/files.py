"""Files prepared in the background for one person: a workbook too large to build while a web worker waits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from tracker.models.base import json_column, optional_timestamp, timestamp


class PreparedFile(SQLModel, table=True):
    """An export asked for by a person, built by the clock (tracker/insight/prepared.py), kept in the database so
    that every web node can hand it over, and deleted a day after it was asked for."""

    __tablename__ = "prepared_file"
    id: int | None = Field(default=None, primary_key=True)
    #: what the person's links name it by: random, never an id another person could guess
    token: str = Field(max_length=43, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    #: what to build (prepared.KINDS) and with what: the list's query-string arguments, the language, the day
    kind: str = Field(max_length=32)
    arguments: dict = json_column(dict)
    #: the query string it was asked with: the same request within the hour finds this file again
    fingerprint: str = Field(max_length=64, index=True)
    name: str = Field(max_length=120)
    #: queued → running → ready | failed
    status: str = Field(default="queued", max_length=16, index=True)
    rows_total: int = 0
    rows_done: int = 0
    error: str | None = None
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    created_at: datetime = timestamp()
    started_at: datetime | None = optional_timestamp()
    finished_at: datetime | None = optional_timestamp()
