"""Demo mode only: load the statuses the source documents record (tracker/demo/statuses.yaml), each citing them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from sqlmodel import Session, select

from tracker import audit
from tracker.models import (
    Checkpoint,
    Indicator,
    IndicatorValue,
    Instrument,
    Obligation,
    Organization,
    Report,
    StatusUpdate,
)
from tracker.people import accounts
from tracker.people.permissions import access_for
from tracker.periods import Period
from tracker.reporting import workflow
from tracker.reporting.checkpoints import open_event_checkpoint

STATUSES_FILE = Path(__file__).resolve().parent.parent / "demo" / "statuses.yaml"
INDICATOR_VALUES_FILE = STATUSES_FILE.with_name("indicator_values.yaml")


class _NoFiles:
    """Demo updates carry no files; a store that refuses makes that explicit."""

    def put(self, source, key):
        """Never called: demo steps have no uploads."""
        raise RuntimeError("demo statuses have no files")


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _report(session: Session, obligation_key: str, organization: str, *, period: str | None = None,
            label: str | None = None) -> Report | None:
    query = (select(Report).join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
             .join(Obligation, Obligation.id == Checkpoint.obligation_id)
             .join(Organization, Organization.id == Report.organization_id)
             .where(Obligation.key == obligation_key, Organization.code == organization))
    query = query.where(Checkpoint.label == label) if label else query.where(Checkpoint.period == period)
    return session.exec(query).first()


def load_demo_statuses(session: Session, path: Path = STATUSES_FILE) -> tuple[int, int]:
    """Apply the documented statuses once (entries whose report already has updates are skipped).

    Returns (entries applied, entries skipped). The caller commits.
    """
    applied = skipped = 0
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
        key = entry.get("obligation") or entry["event"]
        report = _report(session, key, entry["organization"], period=entry.get("period"), label=entry.get("label"))
        if report is None and "event" in entry:
            report = _open_event(session, entry)
        if report is None:
            raise ValueError(f"{path.name}: no report of {entry['organization']} for {key} {entry.get('period')}")
        if session.exec(select(StatusUpdate.id).where(StatusUpdate.report_id == report.id)).first():
            skipped += 1
            continue
        for step in entry["steps"]:
            actor = accounts.find_user(session, step["by"])
            ctx = workflow.load_report(session, report.id)
            note = step.get("note")
            workflow.post_update(
                session=session, store=_NoFiles(), ctx=ctx, actor=actor, access=access_for(session, actor),
                now=_moment(step["at"]), submission=workflow.Submission(
                    target=step["status"], expected_version=ctx.report.version,
                    note=f"{note}\n\n*Источник:* {entry['source']}" if note else None,
                    no_evidence_reason=f"Демонстрационные данные; подтверждение — источник: {entry['source']}",
                    reason=step.get("reason")))
        applied += 1
    return applied, skipped


def _open_event(session: Session, entry: dict) -> Report:
    obligation = session.exec(select(Obligation).where(Obligation.key == entry["event"])).one()
    instrument = session.get(Instrument, obligation.instrument_id)
    secretary = accounts.find_user(session, entry["opened_by"])
    due_on = entry["due_on"] if isinstance(entry["due_on"], date) else date.fromisoformat(entry["due_on"])
    open_event_checkpoint(session=session, obligation=obligation, instrument=instrument, actor=secretary,
                          access=access_for(session, secretary), label=entry["label"], due_on=due_on,
                          source=entry["source"], now=_moment(entry["opened_at"]))
    return _report(session, entry["event"], entry["organization"], label=entry["label"])


def load_demo_indicator_values(session: Session, path: Path = INDICATOR_VALUES_FILE) -> tuple[int, int]:
    """Record the documented indicator values once (an indicator that already has values is skipped), submitted and
    judged at the times the file gives, each audited. Returns (values loaded, skipped); the caller commits."""
    loaded = skipped = 0
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
        indicator = session.exec(select(Indicator).where(Indicator.key == entry["indicator"])).first()
        if indicator is None:  # the example file was deleted, as its header says to do in a real deployment
            skipped += 1
            continue
        if session.exec(select(IndicatorValue.id).where(IndicatorValue.indicator_id == indicator.id,
                                                        IndicatorValue.period == entry["period"])).first():
            skipped += 1
            continue
        submitted, verdict = entry["submitted"], entry.get("verdict")
        reporter = accounts.find_user(session, submitted["by"]) if submitted.get("by") else None
        row = IndicatorValue(indicator_id=indicator.id, period=entry["period"],
                             period_end=Period.from_label(entry["period"]).ends_on, value=float(entry["value"]),
                             source=entry["source"], organization_id=indicator.reporter_id,
                             submitted_by_id=reporter.id if reporter else None, submitted_at=_moment(submitted["at"]))
        session.add(row)
        session.flush()
        audit.record(session=session, now=row.submitted_at, action="indicator_value.submit", object_type="indicator",
                     object_id=indicator.key, organization_id=indicator.reporter_id,
                     after={"period": row.period, "value": row.value, "source": row.source},
                     by=audit.Actor(user_id=row.submitted_by_id, label="cli:demo seed"))
        if verdict:
            secretary = accounts.find_user(session, verdict["by"])
            row.state, row.decided_by_id, row.decided_at = verdict["state"], secretary.id, _moment(verdict["at"])
            audit.record(session=session, now=row.decided_at, action="indicator_value.accept",
                         object_type="indicator", object_id=indicator.key, organization_id=indicator.reporter_id,
                         after={"period": row.period, "value": row.value, "state": row.state},
                         by=audit.Actor(user_id=secretary.id, label="cli:demo seed"))
        loaded += 1
    return loaded, skipped
