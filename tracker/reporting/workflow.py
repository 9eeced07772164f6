"""Status updates on reports: who may move a report from which status to which, evidence, and no lost update."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, update
from sqlmodel import Session, select

from tracker import audit
from tracker.catalog.obligations import ROW_COLUMNS, ReportRow, joined_reports
from tracker.insight import public
from tracker.models import (
    Checkpoint,
    Evidence,
    Instrument,
    Report,
    StatusUpdate,
    User,
    is_live,
)
from tracker.people.permissions import Access
from tracker.reporting.evidence import Upload
from tracker.reporting.storage import EvidenceStore
from tracker.statuses import label as status_label
from tracker.text import render_markdown

REPORTER, SECRETARY = "reporter", "secretary"
OPEN = ("not_started", "in_progress", "submitted", "returned")
MAX_NOTE = 20_000


@dataclass(frozen=True)
class Move:
    """One allowed transition: from a status to another, by whom, and what it must carry."""

    source: str
    target: str
    by: str
    needs_reason: bool = False
    needs_source: bool = False
    needs_evidence: bool = False


MOVES = (
    *(Move(s, "in_progress", REPORTER) for s in ("not_started", "in_progress", "returned", "submitted")),
    *(Move(s, "submitted", REPORTER, needs_evidence=True) for s in ("not_started", "in_progress", "returned")),
    Move("submitted", "accepted", SECRETARY),
    Move("submitted", "returned", SECRETARY, needs_reason=True),
    Move("accepted", "returned", SECRETARY, needs_reason=True),  # reopened: accepted by mistake
    *(Move(s, t, SECRETARY, needs_reason=True, needs_source=True)
      for s in OPEN for t in ("not_applicable", "cancelled")),
    *(Move(s, "not_started", SECRETARY, needs_reason=True) for s in ("not_applicable", "cancelled")),
)
_MOVES = {(m.source, m.target): m for m in MOVES}


class ReportingError(Exception):
    """A refused action; the message is shown to the person as is."""


class StaleReport(ReportingError):
    """The report changed since the person opened it: what changed, so they can decide and resubmit."""

    def __init__(self, report: Report, updates: list[tuple[StatusUpdate, User | None]]):
        self.report, self.updates = report, updates
        latest = updates[-1] if updates else None
        who = latest[1].name if latest and latest[1] else _("другой пользователь")
        super().__init__(_("Отчёт уже изменил(а) %(who)s — ваш текст сохранён ниже, проверьте изменения и "
                           "отправьте снова.", who=who))


def load_report(session: Session, report_id: int) -> ReportRow | None:
    """A report of a live instrument with its context, in one query (retired reports too: their history stays
    readable)."""
    row = session.exec(joined_reports(*ROW_COLUMNS).where(Report.id == report_id, is_live(Instrument))).first()
    return ReportRow(*row) if row else None


def can_read(access: Access, ctx: ReportRow) -> bool:
    """Notes and evidence of a report: its organization's people, the instrument's secretaries, administrators."""
    return access.can_read_report(ctx.report.organization_id, ctx.instrument.id)


def can_read_what_was_done(access: Access, ctx: ReportRow) -> bool:
    """An accepted report's note and shared evidence, without its drafts and returns: observers."""
    return access.can_read_accepted_reports() and ctx.report.status == "accepted"


def readable_file(session: Session, access: Access, store: EvidenceStore, evidence_id: int) -> Evidence | None:
    """The evidence file this person may download, if it is stored: readers of its report, and observers for a
    published file (the public view's rule); None otherwise — a 404 for web and API alike."""
    item = session.get(Evidence, evidence_id)
    if item is None or item.kind != "file":
        return None
    ctx = load_report(session, item.report_id)
    published = access.can_read_accepted_reports() and public.published_file(
        session, item.id, condition=public.shared) is not None
    if ctx is None or not (can_read(access, ctx) or published) or not store.exists(item.storage_key):
        return None
    return item


def role_of(access: Access, ctx: ReportRow) -> set[str]:
    """The roles a person holds on this report; a secretary never judges a report they could write."""
    roles = set()
    if access.can_report_for(ctx.report.organization_id):
        roles.add(REPORTER)
    elif access.can_manage_instrument(ctx.instrument):
        roles.add(SECRETARY)
    return roles


def allowed_moves(access: Access, ctx: ReportRow) -> list[Move]:
    """The transitions this person may make on this report now (for the form)."""
    if ctx.report.retired_at is not None or ctx.checkpoint.retired_at is not None:
        return []
    roles = role_of(access, ctx)
    return [m for m in MOVES if m.source == ctx.report.status and m.by in roles]


@dataclass(frozen=True)
class Submission:
    """What a person asks of a report: the status to move it to, from the version they saw, and what comes with it."""

    target: str
    expected_version: int
    note: str | None = None
    reason: str | None = None
    reason_source: str | None = None
    no_evidence_reason: str | None = None
    #: the period the new evidence covers, if it covers exactly one (then it is not carried to the next period)
    evidence_period: str | None = None
    uploads: Sequence[Upload] = ()
    links: Sequence[str] = ()
    carried: Sequence[Evidence] = ()
    public_evidence: bool = False

    def cleaned(self) -> Submission:
        """The same with texts stripped (empty → None) and links checked."""
        return replace(self, note=_text(self.note), reason=_text(self.reason), reason_source=_text(self.reason_source),
                       no_evidence_reason=_text(self.no_evidence_reason), evidence_period=_text(self.evidence_period),
                       uploads=list(self.uploads), carried=list(self.carried),
                       links=[_checked_link(link) for link in self.links if link.strip()])


def post_update(*, session: Session, store: EvidenceStore, ctx: ReportRow, actor: User, access: Access,
                submission: Submission, now: datetime, ip: str | None = None,
                via: str | None = None) -> StatusUpdate:
    """Append a status update to a report, with its evidence; refuse stale, forbidden or incomplete ones.

    Files are put in `store` before the caller commits (submissions.write_with_files hands in a store that can take
    them back if the transaction fails). `via` names the channel in the audit row when it is not the web form (an
    API token).
    """
    report, target, expected_version = ctx.report, submission.target, submission.expected_version
    if report.version != expected_version:
        raise StaleReport(report, updates_since(session, report, expected_version))
    move = _MOVES.get((report.status, target))
    if move is None or move not in allowed_moves(access, ctx):
        raise ReportingError(_("Нельзя перевести отчёт из статуса «%(source)s» в «%(target)s».",
                               source=status_label(report.status), target=status_label(target)))
    submission = submission.cleaned()
    note, reason, reason_source = submission.note, submission.reason, submission.reason_source
    no_evidence_reason = submission.no_evidence_reason
    if note and len(note) > MAX_NOTE:
        raise ReportingError(_("Пояснение длиннее %(n)d символов.", n=MAX_NOTE))
    if move.needs_reason and not reason:
        raise ReportingError(_("Укажите причину."))
    if move.needs_source and not reason_source:
        raise ReportingError(_("Укажите основание (документ, протокол)."))
    has_evidence = (submission.uploads or submission.links or submission.carried
                    or _has_evidence(session, report))
    if move.needs_evidence and not (has_evidence or no_evidence_reason):
        raise ReportingError(_("Приложите хотя бы одно подтверждение (файл или ссылку) или объясните, почему его нет."))

    before = {"status": report.status, "version": report.version}
    # the conditional UPDATE is the real guard: of two concurrent writers with the same version, one wins
    changed = session.execute(
        update(Report).where(Report.id == report.id, Report.version == expected_version)
        .values(status=target, version=expected_version + 1, updated_at=now,
                submitted_at=now if target == "submitted" else Report.submitted_at,
                first_submitted_at=func.coalesce(Report.first_submitted_at, now) if target == "submitted"
                else Report.first_submitted_at)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        session.refresh(report)
        raise StaleReport(report, updates_since(session, report, expected_version))
    session.refresh(report)
    entry = StatusUpdate(report_id=report.id, status=target, previous_status=before["status"],
                         report_version=report.version, note=note, note_html=render_markdown(note) if note else None,
                         reason=reason, reason_source=reason_source,
                         no_evidence_reason=no_evidence_reason, covers_period=ctx.checkpoint.period,
                         author_id=actor.id, created_at=now)
    session.add(entry)
    session.flush()
    evidence = _attach(session, store, entry, submission)
    audit.record(session=session, now=now, action=f"report.{target}", object_type="report", object_id=str(report.id),
                 before=before, after={"status": target, "version": report.version, "note": note, "reason": reason,
                                       "reason_source": reason_source, "no_evidence_reason": no_evidence_reason,
                                       "evidence": [e.file_name or e.url for e in evidence]},
                 organization_id=report.organization_id, by=audit.Actor(user_id=actor.id, label=via, ip=ip))
    return entry


def post_to_each(*, session: Session, store: EvidenceStore, actor: User, access: Access,
                 picked: list[tuple[int, int]], submission: Submission, now: datetime,
                 ip: str | None = None) -> int:
    """The same update posted to each (report id, version seen): all of them or none (the caller commits or rolls
    back). A report that is gone, changed meanwhile or may not be moved names itself in the ReportingError."""
    for report_id, version in picked:
        ctx = load_report(session, report_id)
        if ctx is None:
            raise ReportingError(_("Отчёт №%(id)d не найден: обновите страницу.", id=report_id))
        try:
            post_update(session=session, store=store, ctx=ctx, actor=actor, access=access, now=now, ip=ip,
                        submission=replace(submission, expected_version=version))
        except ReportingError as exc:
            raise ReportingError(f"{ctx.obligation.key} · {ctx.checkpoint.label or ctx.checkpoint.period} · "
                                 f"{ctx.organization.code}: {exc}") from exc
    return len(picked)


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _checked_link(link: str) -> str:
    link = link.strip()
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > 2000:
        raise ReportingError(_("Ссылка «%(link)s» должна начинаться с http:// или https://.", link=link[:100]))
    return link


def _has_evidence(session: Session, report: Report) -> bool:
    return session.exec(select(Evidence.id).where(Evidence.report_id == report.id).limit(1)).first() is not None


def _attach(session, store, entry: StatusUpdate, submission: Submission) -> list[Evidence]:
    rows, period = [], submission.evidence_period
    for upload in submission.uploads:
        store.put(upload.path, upload.sha256)
        rows.append(Evidence(kind="file", file_name=upload.file_name, storage_key=upload.sha256, sha256=upload.sha256,
                             size=upload.size, content_type=upload.content_type, covers_period=period))
    rows += [Evidence(kind="link", url=link, covers_period=period) for link in submission.links]
    rows += [Evidence(kind=e.kind, file_name=e.file_name, storage_key=e.storage_key, sha256=e.sha256, size=e.size,
                      content_type=e.content_type, url=e.url, carried_from_id=e.id, is_public=e.is_public,
                      covers_period=e.covers_period)
             for e in submission.carried]
    for row in rows:
        row.report_id, row.status_update_id, row.uploaded_by_id = entry.report_id, entry.id, entry.author_id
        row.created_at = entry.created_at
        row.is_public = row.is_public or submission.public_evidence
        session.add(row)
    session.flush()
    return rows


def forget_unreferenced(session: Session, store: EvidenceStore, keys: list[str]) -> None:
    """After a failed transaction: remove files it stored that no committed evidence row refers to."""
    for key in keys:
        if session.exec(select(Evidence.id).where(Evidence.storage_key == key).limit(1)).first() is None:
            store.delete(key)


@dataclass(frozen=True)
class Resubmission:
    """What a returned report's form starts from: the last note, links and publication its reporters sent."""

    note: str | None = None
    links: tuple[str, ...] = ()
    public: bool = False


def resubmission_of(session: Session, report_id: int) -> Resubmission:
    """The last submission (or draft) with a note, its links and whether its evidence was public."""
    previous = latest_update(session, report_id, ["submitted", "in_progress"], with_note=True)
    if previous is None:
        return Resubmission()
    update = previous[0]
    evidence = session.exec(select(Evidence).where(Evidence.status_update_id == update.id)).all()
    return Resubmission(note=update.note, links=tuple(e.url for e in evidence if e.kind == "link"),
                        public=any(e.is_public for e in evidence))


def latest_update(session: Session, report_id: int, statuses: Sequence[str],
                  with_note: bool = False) -> tuple[StatusUpdate, User | None] | None:
    """The report's latest update to one of these statuses (with a note, if asked), and its author."""
    query = (select(StatusUpdate, User).join(User, User.id == StatusUpdate.author_id, isouter=True)
             .where(StatusUpdate.report_id == report_id, StatusUpdate.status.in_(statuses)))
    if with_note:
        query = query.where(StatusUpdate.note.is_not(None))
    return session.exec(query.order_by(StatusUpdate.id.desc()).limit(1)).first()


def move_explanation(move: Move) -> str:
    """Plain words for what choosing this move does."""
    if move.target == "in_progress":
        if move.source == "submitted":
            return _("Забрать с проверки и продолжить работу: отчёт уйдёт от секретаря и снова будет «в работе».")
        if move.source == "returned":
            return _("Сохранить черновик ответа: отчёт останется у вас, секретарь его пока не увидит.")
        return _("Сохранить как «в работе»: секретарь пока не получит отчёт.")
    if move.target == "submitted":
        if move.source == "returned":
            return _("Отправить исправленный отчёт на проверку секретарю.")
        return _("Отправить на проверку секретарю: после этого правки — только если вы заберёте отчёт.")
    if move.target == "accepted":
        return _("Принять: отчёт засчитывается как исполненный.")
    if move.target == "returned":
        return _("Вернуть на доработку: исполнитель увидит причину и ответит.")
    if move.target in ("not_applicable", "cancelled"):
        return _("Решение по основанию (документ, протокол): отчёт больше не ждут.")
    return _("Снова открыть отчёт.")


def updates_since(session: Session, report: Report, version: int) -> list[tuple[StatusUpdate, User | None]]:
    """The updates a person who opened the report at `version` has not seen, oldest first, with authors."""
    return list(session.exec(
        select(StatusUpdate, User).join(User, User.id == StatusUpdate.author_id, isouter=True)
        .where(StatusUpdate.report_id == report.id, StatusUpdate.report_version > version)
        .order_by(StatusUpdate.report_version)).all())


def previous_report(session: Session, ctx: ReportRow) -> tuple[Report, Checkpoint] | None:
    """The same organization's report on the latest earlier checkpoint of the obligation that a secretary accepted
    (a note still under review, or returned, is not repeated as "no change")."""
    return session.exec(
        select(Report, Checkpoint).join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
        .where(Checkpoint.obligation_id == ctx.obligation.id, Checkpoint.due_on < ctx.checkpoint.due_on,
               Report.organization_id == ctx.report.organization_id, Report.status == "accepted")
        .order_by(Checkpoint.due_on.desc())).first()


def carry_forward(*, session: Session, store: EvidenceStore, ctx: ReportRow, actor: User, access: Access,
                  expected_version: int, now: datetime, ip: str | None = None) -> StatusUpdate:
    """"No change since last period": submit again with the previous note and its still-valid evidence.

    Evidence marked as covering exactly the previous period is not carried; evidence without a period or with a
    longer one (a law, a standing order) is.
    """
    if ctx.obligation.deadline_kind not in ("recurring", "continuous"):
        raise ReportingError(_("«Без изменений» доступно только для периодических мер."))
    found = previous_report(session, ctx)
    if found is None:
        raise ReportingError(_("Нет принятого отчёта за прошлый период, который можно повторить."))
    previous, previous_checkpoint = found
    last = session.exec(select(StatusUpdate).where(StatusUpdate.report_id == previous.id,
                                                   StatusUpdate.status == "submitted")
                        .order_by(StatusUpdate.report_version.desc())).first()
    carried = [e for e in session.exec(select(Evidence).where(Evidence.report_id == previous.id))
               if e.covers_period != previous_checkpoint.period]
    return post_update(
        session=session, store=store, ctx=ctx, actor=actor, access=access, now=now, ip=ip,
        submission=Submission(
            target="submitted", expected_version=expected_version, note=last.note if last else None,
            reason=_("Без изменений по сравнению с периодом %(period)s.", period=previous_checkpoint.period),
            no_evidence_reason=last.no_evidence_reason if last else None, carried=carried))
