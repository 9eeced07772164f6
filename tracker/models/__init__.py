"""Table models of DESIGN.md (validating models live in schemas.py)."""

from .base import UTCDateTime
from .catalog import (
    Checkpoint,
    GroupMembership,
    Instrument,
    Obligation,
    ObligationOwner,
    Organization,
    Report,
    Section,
)
from .history import AuditEvent, DeadlineChange, Evidence, Notification, OutboxMessage, StatusUpdate
from .people import ORGANIZATION_ROLES, CalendarFeed, LoginSession, Membership, OneTimeToken, Secretaryship, User

__all__ = [
    "AuditEvent", "CalendarFeed", "Checkpoint", "DeadlineChange", "Evidence", "GroupMembership", "Instrument",
    "Notification",
    "Obligation", "ObligationOwner", "Organization", "Report", "Section", "StatusUpdate", "User", "UTCDateTime",
    "ORGANIZATION_ROLES", "LoginSession", "Membership", "OneTimeToken", "OutboxMessage", "Secretaryship",
]
