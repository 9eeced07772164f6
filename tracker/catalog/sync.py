"""Apply a validated catalog of roadmaps to the database: create, update, retire (never delete)."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, insert, update
from sqlmodel import Session, select

from tracker import audit
from tracker.catalog import deadlines, versions
from tracker.catalog.bulk_counts import insert_reports
from tracker.catalog.loader import Catalog, IndicatorPlan, InstrumentPlan, ObligationPlan
from tracker.models import (
    KEPT_IN_APP,
    Checkpoint,
    Commission,
    DeadlineChange,
    GroupMembership,
    Indicator,
    Instrument,
    Obligation,
    ObligationOwner,
    Organization,
    Report,
    Section,
    is_live,
)
from tracker.timeutil import today_almaty

log = logging.getLogger(__name__)

ACTOR = "cli:roadmaps sync"
#: who the audit rows of a sync name: the command, or the person who applied a version from the web
_actor: ContextVar[audit.Actor | None] = ContextVar("sync_actor", default=None)


def _by() -> audit.Actor:
    return _actor.get() or audit.Actor(label=ACTOR)


class InvalidCatalog(Exception):
    """Sync refused: the catalog has problems, nothing was changed."""


@dataclass
class SyncSummary:
    """What a sync did, per kind of object: created / updated / retired / unchanged."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, kind: str, outcome: str, n: int = 1) -> None:
        """Count `n` objects of `kind` with `outcome`."""
        self.counts[kind][outcome] += n

    @property
    def changed(self) -> bool:
        """True when anything was created, updated or retired."""
        return any(c[o] for c in self.counts.values() for o in ("created", "updated", "retired"))

    def lines(self) -> list[str]:
        """One human-readable line per kind of object."""
        order = ["organizations", "commissions", "instruments", "sections", "obligations", "checkpoints", "reports",
                 "indicators"]
        return [
            f"{kind:<14} " + "  ".join(f"{o} {self.counts[kind][o]}" for o in
                                      ("created", "updated", "retired", "unchanged", "kept in app")
                                      if o != "kept in app" or self.counts[kind][o])
            for kind in order if kind in self.counts
        ]


def synced_fingerprints(session: Session) -> dict[str, str]:
    """File name → fingerprint of the file each live instrument was last synced from (for load_catalog)."""
    return dict(session.exec(select(Instrument.file_name, Instrument.fingerprint)
                             .where(is_live(Instrument), Instrument.fingerprint.is_not(None))).all())


def sync_catalog(*, session: Session, catalog: Catalog, now: datetime, partial: bool = False,
                 applied_by: audit.Actor | None = None, source: str | None = None) -> SyncSummary:
    """Bring the database in line with the catalog; flushes, never commits. Refuses an invalid catalog.

    `partial`: the catalog holds only some instruments (a version applied from the web): the others are left as
    they are instead of retired. A file from roadmaps/ whose text is an older version of an instrument that a
    person has since applied from the web is not synced back over it (said in the summary as "kept in the app")."""
    if not catalog.is_valid:
        raise InvalidCatalog(f"{len(catalog.problems)} problem(s) in roadmaps; nothing was changed")
    summary = SyncSummary()
    token = _actor.set(applied_by) if applied_by else None
    try:
        _sync_all(session, catalog, now, partial, applied_by, source, summary)
    finally:
        if token is not None:
            _actor.reset(token)
    return summary


def _sync_all(session: Session, catalog: Catalog, now: datetime, partial: bool, applied_by, source,
              summary: SyncSummary) -> None:
    orgs = _sync_organizations(session, catalog, now, summary)
    commissions = _sync_commissions(session, catalog, orgs, now, summary)
    members = defaultdict(list)  # group id → member ids in order, read once for every instrument
    for m in session.exec(select(GroupMembership).order_by(GroupMembership.position)):
        members[m.group_id].append(m.member_id)
    seen_keys = set(catalog.unchanged)
    if catalog.unchanged:
        summary.add("instruments", "unchanged", len(catalog.unchanged))
    for plan in catalog.instruments:
        seen_keys.add(plan.spec.key)
        if not partial and versions.superseded_in_app(session, plan.spec.key, plan.text):
            summary.add("instruments", "kept in app")
            continue
        _sync_instrument(session, plan, orgs, members, commissions, now, summary, applied_by=applied_by,
                         source=source)
    kept_in_roadmaps = (is_live(Instrument), Instrument.kind != KEPT_IN_APP)
    for instrument in session.exec(select(Instrument).where(*kept_in_roadmaps)) if not partial else ():
        if instrument.key not in seen_keys:
            _retire_instrument(session, instrument, now, summary)
    session.flush()
    audit.record(session=session, now=now, action="roadmaps.sync", object_type="catalog",
                 after={kind: dict(c) for kind, c in summary.counts.items()}, by=_by())


def _set(obj, values: dict) -> dict:
    """Assign changed values; return {field: (before, after)} of what changed."""
    changes = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = (old, value)
            setattr(obj, name, value)
    return changes


def _upsert(session: Session, summary: SyncSummary, now: datetime, *, kind: str, object_type: str, object_id: str,
            existing, create, values: dict):
    """Create (via `create()`) or update `existing` with `values`; count the outcome and audit any change."""
    if existing is None:
        obj = create()
        session.add(obj)
        summary.add(kind, "created")
        audit.record(session=session, now=now, action=f"{object_type}.create", object_type=object_type,
                     object_id=object_id, after=values, by=_by())
        return obj
    changes = _set(existing, values)
    if not changes:
        summary.add(kind, "unchanged")
        return existing
    if hasattr(existing, "updated_at"):
        existing.updated_at = now
    summary.add(kind, "updated")
    audit.record(session=session, now=now, action=f"{object_type}.update", object_type=object_type,
                 object_id=object_id, before={k: v[0] for k, v in changes.items()},
                 after={k: v[1] for k, v in changes.items()}, by=_by())
    return existing


def _sync_organizations(session: Session, catalog: Catalog, now: datetime, summary: SyncSummary) -> dict:
    spec = catalog.organizations
    existing = {o.code: o for o in session.exec(select(Organization))}
    wanted = {}
    for org in spec.organizations:
        wanted[org.code] = dict(kind=org.kind, name_ru=org.names.ru, name_kk=org.names.kk, name_en=org.names.en,
                                aliases=list(org.aliases), note=org.note, is_group=False, group_reports=None,
                                retired_at=None)
    for group in spec.groups:
        wanted[group.code] = dict(kind="group", name_ru=group.names.ru, name_kk=group.names.kk,
                                  name_en=group.names.en, aliases=[], note=group.note, is_group=True,
                                  group_reports=group.reports, retired_at=None)
    for code, values in wanted.items():
        existing[code] = _upsert(session, summary, now, kind="organizations", object_type="organization",
                                 object_id=code, existing=existing.get(code), values=values,
                                 create=lambda code=code, values=values: Organization(code=code, **values))
    _retire_missing(session, summary, now, existing, wanted, kind="organizations", object_type="organization")
    memberships = {(m.group_id, m.member_id): m for m in session.exec(select(GroupMembership))}
    wanted_memberships = set()
    for group in spec.groups:
        for position, member in enumerate(group.members):
            pair = (existing[group.code].id, existing[member].id)
            wanted_memberships.add(pair)
            if pair not in memberships:
                session.add(GroupMembership(group_id=pair[0], member_id=pair[1], position=position))
            else:
                memberships[pair].position = position
    for pair, membership in memberships.items():
        if pair not in wanted_memberships:
            session.delete(membership)  # membership is configuration, not history
    session.flush()
    return existing


def _sync_commissions(session: Session, catalog: Catalog, orgs: dict, now: datetime,
                      summary: SyncSummary) -> dict[str, Commission]:
    """Commissions as organizations.yaml lists them: created, updated, retired (never deleted), each audited."""
    existing = {c.key: c for c in session.exec(select(Commission))}
    wanted = {}
    for spec in catalog.organizations.commissions:
        wanted[spec.key] = dict(level=spec.level, short_ru=spec.short, region=spec.region, industry=spec.industry,
                                name_ru=spec.names.ru, name_kk=spec.names.kk, name_en=spec.names.en,
                                parties=spec.parties.model_dump(),
                                secretariat_id=orgs[spec.secretariat].id if spec.secretariat else None,
                                note=spec.note, retired_at=None)
    for key, values in wanted.items():
        existing[key] = _upsert(session, summary, now, kind="commissions", object_type="commission", object_id=key,
                                existing=existing.get(key), values=values,
                                create=lambda key=key, values=values: Commission(key=key, created_at=now,
                                                                                 updated_at=now, **values))
    _retire_missing(session, summary, now, existing, wanted, kind="commissions", object_type="commission")
    return existing


def _retire_missing(session: Session, summary: SyncSummary, now: datetime, existing: dict, wanted: dict, *,
                    kind: str, object_type: str) -> None:
    """Retire (never delete) what the files no longer list; audited, counted, flushed."""
    for key, row in existing.items():
        if key not in wanted and row.retired_at is None:
            row.retired_at = now
            summary.add(kind, "retired")
            audit.record(session=session, now=now, action=f"{object_type}.retire", object_type=object_type,
                         object_id=key, by=_by())
    session.flush()


def _instrument_values(plan: InstrumentPlan, commissions: dict[str, Commission]) -> dict:
    spec = plan.spec
    return dict(kind=spec.kind, title_ru=spec.title.ru, title_kk=spec.title.kk, title_en=spec.title.en,
                approved_by=spec.approved_by, approved_on=spec.approved_on, valid_from=spec.valid_from,
                valid_to=spec.valid_to, validity_note=spec.validity_note, completeness=spec.completeness,
                completeness_note=spec.completeness_note, language=spec.language, source=spec.source,
                numbering_note=spec.numbering, parties=list(spec.parties), is_public=spec.public,
                commission_id=commissions[plan.commission].id if plan.commission else None,
                file_name=plan.file_name, retired_at=None)


def _sync_instrument(session: Session, plan: InstrumentPlan, orgs: dict, members: dict, commissions: dict,
                     now: datetime, summary: SyncSummary, applied_by: audit.Actor | None = None,
                     source: str | None = None) -> None:
    values = _instrument_values(plan, commissions)
    found = session.exec(select(Instrument).where(Instrument.key == plan.spec.key)).first()
    instrument = _upsert(
        session, summary, now, kind="instruments", object_type="instrument", object_id=plan.spec.key,
        existing=found, values=values,
        create=lambda: Instrument(key=plan.spec.key, created_at=now, updated_at=now, **values))
    instrument.fingerprint = plan.fingerprint  # not a change of the instrument: what it was last synced from
    session.flush()
    if plan.text:
        versions.record(session, instrument, plan.text, source=source or f"roadmaps/{plan.file_name}", now=now,
                        applied_by_id=applied_by.user_id if applied_by else None)
    # an obligation added to an instrument already under way begins on the day it is added, unless it says
    # otherwise (`from:`): it must not be overdue on the day it appears
    today = today_almaty(now)
    added_later_on = today if found is not None and today > instrument.valid_from else None

    sections = _sync_sections(session, instrument, plan, now, summary)
    existing = {o.key: o for o in session.exec(select(Obligation).where(Obligation.instrument_id == instrument.id))}
    # Owners, checkpoints and reports are reconciled for every live obligation, not only edited ones:
    # a change of validity or of a group's members must reach them too.
    live: list[tuple[Obligation, ObligationPlan]] = []
    for ob_plan in plan.obligations:
        values = _obligation_values(ob_plan, sections)
        obligation = _upsert(
            session, summary, now, kind="obligations", object_type="obligation", object_id=ob_plan.key,
            existing=existing.get(ob_plan.key), values=values,
            create=lambda ob_plan=ob_plan, values=values: Obligation(
                key=ob_plan.key, instrument_id=instrument.id, created_at=now, updated_at=now,
                **{"starts_on": added_later_on, **values}))
        live.append((obligation, ob_plan))
    wanted = {p.key for p in plan.obligations}
    for key, obligation in existing.items():
        if key not in wanted and obligation.retired_at is None:
            obligation.retired_at = now
            obligation.updated_at = now
            summary.add("obligations", "retired")
            audit.record(session=session, now=now, action="obligation.retire", object_type="obligation",
                         object_id=key, by=_by())
    session.flush()
    if live:
        _sync_owners_checkpoints_reports(session, instrument, live, orgs, members, now, summary)
    _sync_indicators(session, instrument, plan, {o.key: o.id for o, _ in live}, orgs, now, summary)


def _indicator_values(plan: IndicatorPlan, obligation_ids: dict[str, int], orgs: dict) -> dict:
    return dict(
        obligation_id=obligation_ids[plan.obligation_key] if plan.obligation_key else None, position=plan.position,
        name_ru=plan.names["ru"], name_kk=plan.names.get("kk"), name_en=plan.names.get("en"), unit=plan.unit,
        direction=plan.direction, band_low=plan.band_low, band_high=plan.band_high, tolerance=plan.tolerance,
        baseline_value=plan.baseline_value, baseline_on=plan.baseline_on, baseline_source=plan.baseline_source,
        targets=plan.targets, target_note=plan.target_note, reporter_id=orgs[plan.reporter].id,
        frequency=plan.frequency, is_public=plan.public, source=plan.source, note=plan.note,
        content_hash=plan.content_hash, retired_at=None)


def _sync_indicators(session, instrument, plan: InstrumentPlan, obligation_ids: dict[str, int], orgs: dict, now,
                     summary) -> None:
    """Create, update and retire the instrument's indicators; their reported values are never touched."""
    existing = {i.key: i for i in session.exec(select(Indicator).where(Indicator.instrument_id == instrument.id))}
    for indicator_plan in plan.indicators:
        found = existing.get(indicator_plan.key)
        if found is not None and found.content_hash == indicator_plan.content_hash and found.retired_at is None:
            summary.add("indicators", "unchanged")
            continue
        values = _indicator_values(indicator_plan, obligation_ids, orgs)
        _upsert(session, summary, now, kind="indicators", object_type="indicator", object_id=indicator_plan.key,
                existing=found, values=values,
                create=lambda key=indicator_plan.key, values=values: Indicator(
                    key=key, instrument_id=instrument.id, created_at=now, updated_at=now, **values))
    wanted = {p.key for p in plan.indicators}
    for key, indicator in existing.items():
        if key not in wanted and indicator.retired_at is None:
            indicator.retired_at = indicator.updated_at = now
            summary.add("indicators", "retired")
            audit.record(session=session, now=now, action="indicator.retire", object_type="indicator",
                         object_id=key, by=_by())
    session.flush()


def _sync_sections(session, instrument, plan, now, summary) -> dict[str, Section]:
    existing = {s.number: s for s in session.exec(select(Section).where(Section.instrument_id == instrument.id))}
    for position, spec in enumerate(plan.sections):
        values = dict(position=position, title_ru=spec.title.ru, title_kk=spec.title.kk, title_en=spec.title.en,
                      retired_at=None)
        section = existing.get(spec.number)
        if section is None:
            existing[spec.number] = Section(instrument_id=instrument.id, number=spec.number, **values)
            session.add(existing[spec.number])
            summary.add("sections", "created")
        elif _set(section, values):
            summary.add("sections", "updated")
        else:
            summary.add("sections", "unchanged")
    wanted = {s.number for s in plan.sections}
    for number, section in existing.items():
        if number not in wanted and section.retired_at is None:
            section.retired_at = now
            summary.add("sections", "retired")
    session.flush()
    return existing


def _obligation_values(plan: ObligationPlan, sections: dict[str, Section]) -> dict:
    return dict(
        section_id=sections[plan.section_number].id, number=plan.number, position=plan.position, text=plan.text,
        result=plan.result, deadline_text=plan.deadline.text, deadline_kind=str(plan.deadline.kind),
        deadline_note=plan.deadline_note, owners_text=plan.owners_text, owners_note=plan.owners_note,
        note=plan.note, source_document=plan.source_document, source_quote=plan.source_quote,
        translations=plan.translations, content_hash=plan.content_hash, heard_at_meetings=plan.heard_at_meetings,
        retired_at=None,
        # a `from:` in the YAML wins; without one, the start recorded when the obligation was added stays
        **({"starts_on": plan.starts_on} if plan.starts_on else {}),
    )


def responsible_reports(owners: list[ObligationOwner], orgs_by_id: dict, members: dict) -> dict[int, dict]:
    """Organization id → report attributes; groups that report per member fan out (a direct owner wins)."""
    result: dict[int, dict] = {}
    for owner in owners:
        org = orgs_by_id[owner.organization_id]
        attrs = dict(is_lead=owner.is_lead, is_by_agreement=owner.is_by_agreement, via_group_id=None)
        if org.is_group and org.group_reports == "each_member":
            for member_id in members[org.id]:
                if member_id not in result:
                    result[member_id] = dict(attrs, via_group_id=org.id)
        else:
            result[org.id] = attrs
    return result


def _sync_owners_checkpoints_reports(session, instrument, live, orgs, members, now, summary) -> None:
    """Bring each live obligation's owners, checkpoints and reports in line with its plan.

    Checkpoints go through the ORM (few, audited one by one); owners and reports, the bulk of a national catalog
    (a group owner fans out to 20 akimats on every checkpoint), are compared as plain rows and written in bulk."""
    state = _InstrumentState.load(session, instrument)
    orgs_by_id = {o.id: o for o in orgs.values()}
    owners, reports = _Bulk(ObligationOwner), _Bulk(Report)
    planned = []
    for obligation, plan in live:
        current = _sync_owners(obligation, plan, orgs, state.owners[obligation.id], owners)
        responsible = responsible_reports(current, orgs_by_id, members)
        _sync_checkpoints(session, instrument, obligation, plan, state.checkpoints[obligation.id], now, summary)
        planned.append((state.checkpoints[obligation.id], responsible))
    owners.write(session)
    session.flush()  # new checkpoints get their ids
    outcomes = Counter()
    for by_period, responsible in planned:
        for cp in by_period.values():
            if cp.retired_at is None:
                _sync_reports(cp.id, responsible, state.reports[cp.id], now, reports, outcomes)
    reports.write(session, insert_rows=lambda rows: insert_reports(session, rows, instrument.id))
    for outcome in ("created", "updated", "retired", "unchanged"):
        summary.add("reports", outcome, outcomes[outcome])


class _Owner(NamedTuple):
    """An obligation owner as the sync compares it (what `responsible_reports` reads of an owner)."""

    id: int | None
    organization_id: int
    position: int
    is_lead: bool
    is_by_agreement: bool


class _Kept(NamedTuple):
    """A report's columns that the sync decides (the rest is the organization's reporting)."""

    is_lead: bool
    is_by_agreement: bool
    via_group_id: int | None
    retired_at: datetime | None


@dataclass
class _Bulk:
    """Rows of one table to create, update (by id) and delete, written in one statement each."""

    model: type
    created: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)

    def write(self, session, insert_rows=None) -> None:
        """Delete, update, then insert (by `insert_rows(rows)` when given), in the sync's transaction."""
        if self.deleted:
            session.execute(delete(self.model).where(self.model.id.in_(self.deleted)))
        if self.updated:  # ORM bulk UPDATE by primary key, grouped by the columns each row carries
            session.execute(update(self.model), self.updated)
        if self.created and insert_rows:
            insert_rows(self.created)
        elif self.created:  # a Core executemany: the ORM's bulk insert costs several times more per row
            session.execute(insert(self.model.__table__), self.created)


@dataclass
class _InstrumentState:
    """What the database holds for one instrument, read in three queries: owners, checkpoints, reports."""

    #: obligation id → organization id → _Owner
    owners: dict = field(default_factory=lambda: defaultdict(dict))
    #: obligation id → period → Checkpoint
    checkpoints: dict = field(default_factory=lambda: defaultdict(dict))
    #: checkpoint id → organization id → (report id, _Kept)
    reports: dict = field(default_factory=lambda: defaultdict(dict))

    @classmethod
    def load(cls, session, instrument) -> _InstrumentState:
        """Read the instrument's current owners, checkpoints and reports."""
        state = cls()
        of_instrument = Obligation.instrument_id == instrument.id
        owners = select(ObligationOwner.obligation_id, *(getattr(ObligationOwner, name) for name in _Owner._fields))
        for obligation_id, *owner in session.exec(owners.join(Obligation).where(of_instrument)):
            state.owners[obligation_id][owner[1]] = _Owner(*owner)
        for cp in session.exec(select(Checkpoint).join(Obligation).where(of_instrument)):
            state.checkpoints[cp.obligation_id][cp.period] = cp
        reports = select(Report.id, Report.checkpoint_id, Report.organization_id,
                         *(getattr(Report, name) for name in _Kept._fields))
        for report_id, checkpoint_id, organization_id, *kept in session.exec(
                reports.join(Checkpoint).join(Obligation).where(of_instrument)):
            state.reports[checkpoint_id][organization_id] = (report_id, _Kept(*kept))
        return state


def _sync_owners(obligation, plan, orgs, current: dict, bulk: _Bulk) -> list[_Owner]:
    """The obligation's owners as planned, in order; owners that left the plan are removed (reports keep history)."""
    wanted = []
    for position, owner_plan in enumerate(plan.owners):
        org_id = orgs[owner_plan.code].id
        old = current.get(org_id)
        new = _Owner(old.id if old else None, org_id, position, owner_plan.is_lead, owner_plan.is_by_agreement)
        values = dict(position=position, is_lead=owner_plan.is_lead, is_by_agreement=owner_plan.is_by_agreement)
        if old is None:
            bulk.created.append(dict(values, obligation_id=obligation.id, organization_id=org_id))
        elif old != new:
            bulk.updated.append(dict(values, id=old.id))
        wanted.append(new)
    kept = {owner.organization_id for owner in wanted}
    bulk.deleted += [owner.id for org_id, owner in current.items() if org_id not in kept]
    return wanted


def _sync_reports(checkpoint_id: int, responsible: dict, existing: dict, now, bulk: _Bulk, outcomes: Counter) -> None:
    """One report per responsible organization on a live checkpoint; the others' reports retired."""
    for org_id, attrs in responsible.items():
        wanted = _Kept(attrs["is_lead"], attrs["is_by_agreement"], attrs["via_group_id"], None)
        if org_id not in existing:
            bulk.created.append(dict(wanted._asdict(), checkpoint_id=checkpoint_id, organization_id=org_id,
                                     updated_at=now))
            outcomes["created"] += 1
            continue
        report_id, current = existing[org_id]
        if current == wanted:
            outcomes["unchanged"] += 1
        else:
            bulk.updated.append(dict(wanted._asdict(), id=report_id))
            outcomes["updated"] += 1
    for org_id, (report_id, current) in existing.items():
        if org_id not in responsible and current.retired_at is None:
            bulk.updated.append({"id": report_id, "retired_at": now})
            outcomes["retired"] += 1


def _sync_checkpoints(session, instrument, obligation, plan, by_period: dict, now, summary) -> None:
    """One checkpoint per planned period: new ones created, returning ones revived, vanished ones retired — except
    that an amended one-off deadline moves its checkpoint (reports and history kept, the change recorded)."""
    start = max(instrument.valid_from, obligation.starts_on or instrument.valid_from)
    # a period that runs past the instrument's end is due on its last valid day
    periods = {p.label: replace(p, ends_on=min(p.ends_on, instrument.valid_to))
               for p in plan.deadline.periods(start, instrument.valid_to)}
    amended = obligation.created_at != now  # the obligation existed before this sync: its changes are audited
    vanished = [cp for label, cp in by_period.items()
                if label not in periods and not cp.is_event and cp.retired_at is None]
    arriving = [label for label in periods if by_period.get(label) is None]
    if len(vanished) == 1 and len(arriving) == 1 and plan.deadline.kind is deadlines.Kind.ONE_OFF:
        _move_checkpoint(session, vanished.pop(), periods[arriving[0]], by_period, now, summary,
                         source=f"{instrument.file_name} (mindet roadmaps sync)")
    for label, period in periods.items():
        cp = by_period.get(label)
        if cp is None:
            cp = Checkpoint(obligation_id=obligation.id, period=label, starts_on=period.starts_on,
                            due_on=period.ends_on, original_due_on=period.ends_on, created_at=now)
            session.add(cp)
            by_period[label] = cp
            summary.add("checkpoints", "created")
            if amended:
                _audit_checkpoint(session, now, "checkpoint.create", obligation, after={"period": label,
                                                                                      "due_on": cp.due_on})
        elif cp.retired_at is not None:
            cp.retired_at = None
            summary.add("checkpoints", "updated")
            _audit_checkpoint(session, now, "checkpoint.restore", obligation, after={"period": label})
        else:
            summary.add("checkpoints", "unchanged")
    for cp in vanished:
        cp.retired_at = now  # its reports and their history stay attached, and the obligation page lists it
        summary.add("checkpoints", "retired")
        _audit_checkpoint(session, now, "checkpoint.retire", obligation, before={"period": cp.period,
                                                                                "due_on": cp.due_on})


def _move_checkpoint(session, cp: Checkpoint, period, by_period: dict, now, summary, *, source: str) -> None:
    """An amendment moved a one-off deadline: the checkpoint takes the new period and due date, keeping its
    reports; the move is a deadline change (source: the roadmap file) and an audit row."""
    old_label, old_due = cp.period, cp.due_on
    session.add(DeadlineChange(checkpoint_id=cp.id, old_due_on=old_due, new_due_on=period.ends_on, created_at=now,
                               reason=f"Срок изменён в дорожной карте: {old_label} → {period.label}",
                               source=source))
    del by_period[old_label]
    cp.period, cp.starts_on, cp.due_on = period.label, period.starts_on, period.ends_on
    by_period[period.label] = cp
    summary.add("checkpoints", "moved")
    audit.record(session=session, now=now, action="checkpoint.move", object_type="checkpoint",
                 object_id=str(cp.id), before={"period": old_label, "due_on": old_due},
                 after={"period": period.label, "due_on": period.ends_on}, by=_by())


def _audit_checkpoint(session, now, action: str, obligation, **change) -> None:
    audit.record(session=session, now=now, action=action, object_type="obligation", object_id=obligation.key,
                 by=_by(), **change)


def _retire_instrument(session, instrument, now, summary) -> None:
    instrument.retired_at = now
    summary.add("instruments", "retired")
    audit.record(session=session, now=now, action="instrument.retire", object_type="instrument",
                 object_id=instrument.key, by=_by())
    for obligation in session.exec(select(Obligation).where(Obligation.instrument_id == instrument.id,
                                                            is_live(Obligation))):
        obligation.retired_at = now
        summary.add("obligations", "retired")
