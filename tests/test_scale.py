"""The benchmark's generator: an empty database filled with data the app itself agrees with, the same for the
same seed; a database that holds data is refused."""

import pytest
from sqlalchemy import func, select

from bench import scale
from bench.scale_roadmaps import write
from tracker.catalog.loader import load_catalog
from tracker.models import Commission, Instrument, Report, StatusUpdate

from .conftest import NOW

TINY = scale.Scale(instruments=3, obligations_per_instrument=12, organizations=24, users=40)


def _fingerprint(db) -> tuple:
    counts = tuple(db.execute(select(func.count()).select_from(model)).scalar_one()
                   for model in (Instrument, Report, StatusUpdate))
    statuses = tuple(db.execute(select(Report.status, func.count()).group_by(Report.status)
                                .order_by(Report.status)).all())
    return counts, statuses


def test_generated_data_is_consistent_and_deterministic(app, db, database_url):
    """Each report's status and version are those of its last status update; seeding again with the same seed
    gives the same rows; a database that holds data is refused."""
    scale.seed(db, TINY, today=NOW.date(), seed_value=7)
    before = _fingerprint(db)
    db.rollback()
    counts = scale.seed(db, TINY, today=NOW.date(), seed_value=7)
    db.commit()
    assert _fingerprint(db) == before
    assert counts["instrument"] == 3 and counts["obligation"] == 36 and counts["status_update"] > counts["report"]
    assert counts["indicator"] == 9 and counts["indicator_value"] > counts["indicator"]  # indicators too
    levels = dict(db.execute(select(Commission.level, func.count()).where(Commission.key.startswith("bench-"))
                             .group_by(Commission.level)).all())
    assert levels == {"republican": 1, "regional": scale.REGIONS, "industry": scale.INDUSTRIES}  # all three levels
    assert db.execute(select(func.count()).select_from(Instrument).where(Instrument.commission_id.is_(None),
                                                                         Instrument.key.startswith("bench-"))
                      ).scalar_one() == 0
    latest = (select(StatusUpdate.report_id, func.max(StatusUpdate.report_version).label("version"))
              .group_by(StatusUpdate.report_id).subquery())
    rows = db.execute(select(Report.status, Report.version, StatusUpdate.status).join(
        latest, latest.c.report_id == Report.id).join(
        StatusUpdate, (StatusUpdate.report_id == Report.id) & (StatusUpdate.report_version == latest.c.version))).all()
    assert rows and all(report_status == update_status for report_status, _v, update_status in rows)
    first = _fingerprint(db)
    with pytest.raises(ValueError, match="already holds"):
        scale.seed(db, TINY, today=NOW.date(), seed_value=7)
    db.rollback()
    assert first[1] and {status for status, _n in first[1]} >= {"accepted", "not_started", "submitted"}


def test_the_overdue_view_and_dashboard_serve_generated_data(app, db):
    """The generated data goes through the pages the benchmark measures (a secretary of every instrument)."""
    scale.seed(db, TINY, today=NOW.date(), seed_value=3)
    db.commit()
    client = app.test_client()
    from .conftest import csrf_token

    token = csrf_token(client, "/login")
    client.post("/login", data={"email": "secretary1@bench.mindet.kz", "password": scale.PASSWORD,
                                "csrf_token": token})
    for url in ("/", "/overdue", "/dashboard", "/review", "/overdue.xlsx", "/public/", "/dashboard/indicators.csv"):
        assert client.get(url).status_code == 200, url


def test_the_generated_roadmaps_folder_passes_check(tmp_path):
    """The sync benchmark's YAML set: every file valid, as many obligations as asked, the same files each time."""
    assert write(tmp_path / "a", obligations=320, per_instrument=150) == 4  # organizations.yaml and 3 instruments
    catalog = load_catalog(tmp_path / "a")
    assert catalog.is_valid, catalog.problems[:3]
    assert sum(len(plan.obligations) for plan in catalog.instruments) == 320
    write(tmp_path / "b", obligations=320, per_instrument=150)
    assert {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()} == {
        p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
