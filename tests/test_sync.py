"""Sync: one transaction, idempotent, retires instead of deleting, keeps every status update and evidence."""

from datetime import timedelta

from sqlmodel import func, select, text

from tracker.catalog.loader import load_catalog
from tracker.catalog.sync import sync_catalog
from tracker.models import AuditEvent, Checkpoint, Evidence, Obligation, Organization, Report, StatusUpdate

from . import factories
from .conftest import NOW, ROADMAPS, write_instrument


def _sync(db, folder, now=NOW):
    summary = sync_catalog(session=db, catalog=load_catalog(folder), now=now)
    db.commit()
    return summary


def _obligation(db, key):
    return db.exec(select(Obligation).where(Obligation.key == key)).one()


def _add_history(db, key):
    """A status update with evidence on the lead report of the obligation's first checkpoint."""
    ob = _obligation(db, key)
    checkpoints = select(Checkpoint).where(Checkpoint.obligation_id == ob.id).order_by(Checkpoint.due_on)
    checkpoint = db.exec(checkpoints).first()
    report = db.exec(select(Report).where(Report.checkpoint_id == checkpoint.id, Report.is_lead)).first()
    update = StatusUpdate(report_id=report.id, status="in_progress", note="Работа начата", created_at=NOW)
    db.add(update)
    db.flush()
    db.add(Evidence(report_id=report.id, status_update_id=update.id, kind="link", url="https://enbek.gov.kz/",
                    created_at=NOW))
    report.status = "in_progress"
    db.commit()
    return report.id, update.id


def test_second_sync_changes_nothing(runner, db):
    """`roadmaps sync` twice: the second run reports no change and writes no audit row but its own summary."""
    first = runner.invoke(args=["roadmaps", "sync"])
    assert first.exit_code == 0, first.output
    assert "obligations    created 71" in first.output and "commissions    created 2" in first.output
    audit_rows = db.exec(select(func.count()).select_from(AuditEvent)).one()
    second = runner.invoke(args=["roadmaps", "sync"])
    assert second.exit_code == 0
    assert "Already in sync: nothing changed." in second.output
    assert "4 file(s) unchanged since the last sync: skipped" in second.output  # not even read
    assert "instruments    created 0  updated 0  retired 0  unchanged 4" in second.output
    assert db.exec(select(func.count()).select_from(AuditEvent)).one() == audit_rows + 1  # the sync summary
    full = runner.invoke(args=["roadmaps", "sync", "--full"])  # every file read and compared: still nothing
    assert full.exit_code == 0 and "Already in sync: nothing changed." in full.output
    assert "obligations    created 0  updated 0  retired 0  unchanged 71" in full.output


def test_a_sync_skips_only_what_would_change_nothing(roadmaps_dir, db, monkeypatch):
    """An unchanged file is skipped; an edited file, an edited organizations.yaml (owners, groups), new loader
    rules, or an instrument retired since (its file back) are each read and applied again."""
    from tracker.catalog import loader
    from tracker.catalog.sync import synced_fingerprints

    write_instrument(roadmaps_dir)
    factories.write_world(roadmaps_dir)
    _sync(db, roadmaps_dir)

    def load():
        return load_catalog(roadmaps_dir, synced_fingerprints(db))

    assert sorted(load().unchanged) == ["test-roadmap", "world"] and load().instruments == []
    summary = sync_catalog(session=db, catalog=load(), now=NOW)
    assert not summary.changed and db.exec(select(func.count()).select_from(Obligation)
                                           .where(Obligation.retired_at.is_(None))).one() > 0
    path = roadmaps_dir / "world.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Совершенствование", "Улучшение"), encoding="utf-8")
    assert [plan.spec.key for plan in load().instruments] == ["world"] and load().unchanged == ["test-roadmap"]
    assert _sync(db, roadmaps_dir).counts["obligations"]["updated"] == 1
    organizations = roadmaps_dir / "organizations.yaml"
    organizations.write_text(organizations.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert load().unchanged == []  # owners and groups come from it: every instrument is read again
    _sync(db, roadmaps_dir)
    monkeypatch.setattr(loader, "RULES_VERSION", "a later version of the rules")
    assert load().unchanged == []
    monkeypatch.undo()
    path.unlink()
    _sync(db, roadmaps_dir)  # world retired
    factories.write_world(roadmaps_dir)
    assert [plan.spec.key for plan in load().instruments] == ["world"]  # back, so read and revived
    assert _sync(db, roadmaps_dir).counts["instruments"]["updated"] == 1


def test_edited_text_keeps_status_updates_and_evidence(roadmaps_dir, db):
    """Edit an obligation's text, re-sync: the row is updated in place and its history stays attached."""
    path = write_instrument(roadmaps_dir)
    _sync(db, roadmaps_dir)
    report_id, update_id = _add_history(db, "test-roadmap/1")
    ob_id = _obligation(db, "test-roadmap/1").id
    path.write_text(path.read_text(encoding="utf-8").replace("Первая мера", "Первая мера (ред. РТК)"), "utf-8")
    summary = _sync(db, roadmaps_dir, NOW + timedelta(days=1))
    assert summary.counts["obligations"]["updated"] == 1
    db.expire_all()
    ob = _obligation(db, "test-roadmap/1")
    assert (ob.id, ob.text) == (ob_id, "Первая мера (ред. РТК)")
    assert db.get(StatusUpdate, update_id).report_id == report_id
    assert db.exec(select(Evidence).where(Evidence.report_id == report_id)).one().url == "https://enbek.gov.kz/"
    assert db.get(Report, report_id).status == "in_progress"
    change = db.exec(select(AuditEvent).where(AuditEvent.action == "obligation.update")).one()
    assert change.before == {"text": "Первая мера", "content_hash": change.before["content_hash"]}
    assert change.after["text"] == "Первая мера (ред. РТК)"


def test_removed_obligation_is_retired_not_deleted_and_comes_back(roadmaps_dir, db):
    """An obligation that leaves the YAML is retired with its history; put back, it is live again."""
    path = write_instrument(roadmaps_dir)
    original = path.read_text(encoding="utf-8")
    _sync(db, roadmaps_dir)
    _, update_id = _add_history(db, "test-roadmap/2")
    path.write_text(original[:original.index('      - number: "2"')], encoding="utf-8")
    summary = _sync(db, roadmaps_dir)
    assert summary.counts["obligations"]["retired"] == 1
    db.expire_all()
    assert _obligation(db, "test-roadmap/2").retired_at is not None
    assert db.get(StatusUpdate, update_id) is not None
    path.write_text(original, encoding="utf-8")
    assert _sync(db, roadmaps_dir).counts["obligations"]["updated"] == 1
    db.expire_all()
    assert _obligation(db, "test-roadmap/2").retired_at is None


def test_changed_deadline_retires_old_checkpoints_and_keeps_their_reports(roadmaps_dir, db):
    """Quarterly → semi-annual: quarter checkpoints are retired (history kept), half-year ones created."""
    path = write_instrument(roadmaps_dir)
    _sync(db, roadmaps_dir)
    report_id, _ = _add_history(db, "test-roadmap/2")
    path.write_text(path.read_text(encoding="utf-8").replace('"Ежеквартально"', '"1 раз в полугодие"'), "utf-8")
    summary = _sync(db, roadmaps_dir)
    assert summary.counts["checkpoints"]["retired"] == 8
    assert summary.counts["checkpoints"]["created"] == 4
    db.expire_all()
    report = db.get(Report, report_id)
    assert db.get(Checkpoint, report.checkpoint_id).retired_at is not None


def test_new_group_member_gets_reports(roadmaps_dir, db):
    """A 21st akimat added to МИО gets a report on every live checkpoint of МИО's obligations."""
    write_instrument(roadmaps_dir)
    _sync(db, roadmaps_dir)
    orgs = roadmaps_dir / "organizations.yaml"
    text = orgs.read_text(encoding="utf-8").replace(
        "\ngroups:", '\n  - code: "АКИМАТ-НОВЫЙ"\n    kind: akimat\n    names: {ru: "Акимат новой области"}\n\ngroups:'
    ).replace("АКИМАТ-ШЫМКЕНТ]", "АКИМАТ-ШЫМКЕНТ, АКИМАТ-НОВЫЙ]")
    orgs.write_text(text, encoding="utf-8")
    summary = _sync(db, roadmaps_dir)
    assert summary.counts["reports"]["created"] == 8  # obligation 2 (МИО): 8 quarterly checkpoints
    new = db.exec(select(Organization).where(Organization.code == "АКИМАТ-НОВЫЙ")).one()
    assert db.exec(select(func.count()).select_from(Report).where(Report.organization_id == new.id)).one() == 8


def test_every_change_is_audited(db, synced):
    """The first sync writes one audit row per organization, instrument and obligation it created."""
    actions = dict(db.exec(select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all())
    assert actions["obligation.create"] == 71
    assert actions["instrument.create"] == 4 and actions["commission.create"] == 2
    assert actions["organization.create"] == synced.counts["organizations"]["created"]
    assert actions["roadmaps.sync"] == 1


def test_real_roadmaps_sync_is_idempotent_in_the_domain_function(db, synced):
    """sync_catalog on an unchanged catalog reports only 'unchanged'."""
    again = sync_catalog(session=db, catalog=load_catalog(ROADMAPS), now=NOW)
    assert not again.changed


def test_the_tests_own_instrument_has_each_shape_it_promises(db, world):
    """tests/factories.py: every measure it lists is there, with the checkpoints and owners its note says."""
    def periods(number):
        return sorted(db.exec(select(Checkpoint.period).join(Obligation)
                              .where(Obligation.key == factories.measure(number))).all())

    def owners(number):
        return db.exec(select(func.count(Report.id)).join(Checkpoint).join(Obligation)
                       .where(Obligation.key == factories.measure(number), Checkpoint.period == periods(number)[0])
                       ).one()

    assert periods("1.1") == ["2025"] and owners("1.1") == 3
    assert periods("1.2")[0] == "2025-H1" and owners("1.2") == 22  # the lead, the 20 akimats and РОР
    assert periods("1.3") == []
    assert periods("1.4") == ["2025-Q1"] and periods("2.1") == ["2025-H1"]
    lead = db.exec(select(Organization.code).join(Report, Report.organization_id == Organization.id).join(Checkpoint)
                   .join(Obligation).where(Obligation.key == factories.measure("2.1"), Report.is_lead)).one()
    assert lead == "МЮ"


def test_a_bulk_sync_leaves_the_kept_counts_compact(app, runner, db, monkeypatch):
    """A sync that creates many reports rewrites the kept counts' tables without the dead row versions its
    triggers left (PostgreSQL: the pages that sum them read the whole file); the counts stay what they were."""
    from tracker.cli import catalog
    from tracker.db import KEPT_COUNT_TABLES, compact_kept_counts

    monkeypatch.setattr(catalog, "BULK_LOAD", 1)
    result = runner.invoke(args=["roadmaps", "sync"])
    assert result.exit_code == 0, result.output
    on_postgresql = app.config["DATABASE_URL"].startswith("postgresql")
    assert ("Compacted the kept counts" in result.output) == on_postgresql
    if not on_postgresql:  # SQLite's files are rewritten by VACUUM only, which Mindet leaves to the operator
        return
    tallies = text("SELECT * FROM section_tally ORDER BY section_id, due_on, lead_class")
    counted = db.exec(tallies).all()
    # a rewritten table gets a new file; its size alone would prove nothing here, as dead row versions that any
    # open snapshot on the server may still see are copied into the new file too
    files = text(f"SELECT name, pg_relation_filenode(name) FROM unnest(ARRAY{list(KEPT_COUNT_TABLES)}) AS name")
    before = dict(db.exec(files).all())
    db.commit()  # a rewrite waits for every transaction that read the tables
    assert compact_kept_counts(db.get_bind())
    after = dict(db.exec(files).all())
    assert all(after[name] != before[name] for name in KEPT_COUNT_TABLES), (before, after)
    assert db.exec(tallies).all() == counted
