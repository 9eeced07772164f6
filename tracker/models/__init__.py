"""Table models of DESIGN.md (validating models of the YAML format live in catalog/format.py)."""

from tracker.models.base import UTCDateTime, is_live
from tracker.models.catalog import (
    KEPT_IN_APP,
    KEPT_LEAD_COUNTS,
    Checkpoint,
    Commission,
    GroupMembership,
    Instrument,
    InstrumentVersion,
    Obligation,
    ObligationOwner,
    Organization,
    Report,
    Section,
)
from tracker.models.files import PreparedFile
from tracker.models.history import (
    AuditEvent,
    ClockBeat,
    DeadlineChange,
    Evidence,
    Notification,
    OutboxMessage,
    StatusUpdate,
)
from tracker.models.indicators import Indicator, IndicatorValue
from tracker.models.kept import (
    DataGeneration,
    KeptPage,
    OverdueTally,
    QuarterRate,
    SectionClassTally,
    SectionTally,
    StoredQuarter,
)
from tracker.models.meetings import AgendaItem, CommissionRating, Decision, InformationRequest, Meeting
from tracker.models.people import (
    ORGANIZATION_ROLES,
    TOKEN_SCOPES,
    ApiToken,
    CalendarFeed,
    CommissionSecretaryship,
    LoginSession,
    LoginThrottle,
    Membership,
    OneTimeToken,
    RecoveryCode,
    Secretaryship,
    User,
)

__all__ = [
    "AgendaItem", "ApiToken", "Decision", "KEPT_IN_APP", "KEPT_LEAD_COUNTS", "Meeting", "TOKEN_SCOPES",
    "AuditEvent", "CalendarFeed", "CommissionRating", "ClockBeat", "Checkpoint", "Commission",
    "CommissionSecretaryship",
    "DataGeneration", "DeadlineChange", "Evidence", "GroupMembership", "Indicator", "IndicatorValue",
    "InformationRequest",
    "Instrument", "InstrumentVersion", "KeptPage",
    "Notification", "OverdueTally", "PreparedFile", "QuarterRate", "SectionClassTally", "SectionTally", "StoredQuarter",
    "Obligation", "ObligationOwner", "Organization", "Report", "Section", "StatusUpdate", "User", "UTCDateTime",
    "ORGANIZATION_ROLES", "LoginSession", "LoginThrottle", "is_live", "Membership", "OneTimeToken", "OutboxMessage",
    "RecoveryCode", "Secretaryship",
]
