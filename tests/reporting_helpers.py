"""Helpers for reporting tests: find a report, post an update through the domain, sample evidence files."""

from __future__ import annotations

import io
import re
import zipfile

from sqlmodel import select

from tracker.models import Checkpoint, Obligation, Organization, OverdueTally, Report
from tracker.people.permissions import access_for
from tracker.reporting import evidence, workflow
from tracker.reporting.storage import LocalStore
from tracker.statuses import ANSWERED, AWAITING, LeadCounts, Status

from .conftest import NOW, csrf_token

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
#: the first bytes of a Windows executable
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100 + b"This program cannot be run"


def docx_bytes(text: str = "Справка") -> bytes:
    """A minimal Office Open XML word-processing package."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f"<w:document><w:t>{text}</w:t></w:document>")
    return buffer.getvalue()


def zip_bomb(expanded_mb: int) -> bytes:
    """A small ZIP that expands to `expanded_mb` MiB of zeros."""
    buffer = io.BytesIO()
    with (zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
          archive.open("zeros.txt", "w", force_zip64=True) as member):
        for _ in range(expanded_mb):
            member.write(b"\x00" * (1024 * 1024))
    return buffer.getvalue()


def report_of(db, obligation_key: str, period: str, org_code: str) -> Report:
    """The report of an organization on one checkpoint of an obligation."""
    return db.exec(select(Report).join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
                   .join(Obligation, Obligation.id == Checkpoint.obligation_id)
                   .join(Organization, Organization.id == Report.organization_id)
                   .where(Obligation.key == obligation_key, Checkpoint.period == period,
                          Organization.code == org_code)).one()


def post(app, db, report_id: int, user, target: str, *, version: int | None = None, files=(), now=NOW, **fields):
    """Post a status update as `user` through the domain layer and commit; returns the update."""
    with app.test_request_context():
        ctx = workflow.load_report(db, report_id)
        limits = evidence.Limits.from_config(app.config)
        uploads = [evidence.receive(io.BytesIO(data), name, limits) for name, data in files]
        try:
            entry = workflow.post_update(
                session=db, store=LocalStore(app.config["EVIDENCE_DIR"]), ctx=ctx, actor=user,
                access=access_for(db, user), now=now, submission=workflow.Submission(
                    target=target, expected_version=ctx.report.version if version is None else version,
                    uploads=uploads, **fields))
            db.commit()
        except Exception:
            db.rollback()
            raise
        finally:
            evidence.discard(uploads)
    return entry


def upload(client, report_id: int, files, **fields):
    """Post the report form of the signed-in `client` with `files` ((name, bytes) pairs), as a browser would."""
    token = csrf_token(client, f"/reports/{report_id}")
    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    data = {"csrf_token": token, "version": version, "status": "in_progress", "note": "", **fields,
            "files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/reports/{report_id}", data=data, content_type="multipart/form-data")


def recounted_overdue(session) -> dict[tuple, int]:
    """(organization, instrument, due day) → live reports awaiting their organization on live checkpoints of live
    measures, counted afresh from the reports."""
    counted: dict[tuple, int] = {}
    for key in session.exec(select(Report.organization_id, Obligation.instrument_id, Checkpoint.due_on)
                            .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
                            .join(Obligation, Obligation.id == Checkpoint.obligation_id)
                            .where(Report.retired_at.is_(None), Report.status.in_(AWAITING),
                                   Checkpoint.retired_at.is_(None), Obligation.retired_at.is_(None))):
        counted[tuple(key)] = counted.get(tuple(key), 0) + 1
    return counted


def kept_overdue(session) -> dict[tuple, int]:
    """The same, as the triggers kept it (migration 0026)."""
    session.expire_all()
    return {(row.organization_id, row.instrument_id, row.due_on): row.reports
            for row in session.exec(select(OverdueTally).where(OverdueTally.reports != 0))}


def recounted_checkpoints(session) -> dict[int, tuple]:
    """Checkpoint id → its counts rebuilt in Python from its live reports (the rule of statuses.LeadCounts)."""
    statuses: dict[int, tuple[list, list]] = {}
    for checkpoint_id, is_lead, status in session.exec(
            select(Report.checkpoint_id, Report.is_lead, Report.status).where(Report.retired_at.is_(None))):
        statuses.setdefault(checkpoint_id, ([], []))[0 if is_lead else 1].append(status)
    recounted = {}
    for checkpoint_id in session.exec(select(Checkpoint.id)):
        leads, cos = statuses.get(checkpoint_id, ([], []))
        lead = LeadCounts.of(leads)
        recounted[checkpoint_id] = (lead.total, lead.done, lead.returned, lead.answered, lead.active,
                                    sum(s in ANSWERED for s in cos), len(cos), leads.count(Status.ACCEPTED),
                                    (leads + cos).count(Status.SUBMITTED))
    return recounted


def kept_checkpoints(session) -> dict[int, tuple]:
    """Checkpoint id → the counts the database kept."""
    session.expire_all()
    return {row[0]: tuple(row[1:]) for row in session.exec(select(
        Checkpoint.id, Checkpoint.lead_total, Checkpoint.lead_done, Checkpoint.lead_returned,
        Checkpoint.lead_answered, Checkpoint.lead_active, Checkpoint.co_answered, Checkpoint.co_total,
        Checkpoint.lead_accepted, Checkpoint.submitted))}
