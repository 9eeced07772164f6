"""Large overdue workbooks prepared in the background: the person is sent to the file's page, which counts its rows
as the clock writes them and then gives the file, equal to the one built while waiting; only to them, for a day."""

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from tracker.insight import prepared
from tracker.models import AuditEvent, PreparedFile, Secretaryship

from .conftest import NOW, make_user, signed_in


@pytest.fixture
def secretary(db, synced):
    return make_user(db, "sec@example.kz", "secretary", instruments=["conflict-prevention-2025-2026"])


def _prepare(app, db) -> int:
    """What the clock's job does every two seconds; how many files it built."""
    with app.test_request_context():
        return len(prepared.prepare_waiting(db, NOW))


def _rows(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_a_large_workbook_is_prepared_by_the_clock_and_equals_the_one_built_while_waiting(app, db, secretary):
    app.config["XLSX_BACKGROUND_ROWS"] = 3
    client = signed_in(app, secretary)
    asked = client.get("/overdue.xlsx?status=not_started")
    assert asked.status_code == 303
    page_url = asked.headers["Location"]
    waiting = client.get(page_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' in waiting and "Ждёт своей очереди" in waiting
    assert "Просроченные отчёты</a> › " in waiting  # where the person is, and the way back to the list
    # asked again (the page reloaded, the link clicked twice): the same file, not a second one
    assert client.get("/overdue.xlsx?status=not_started").headers["Location"] == page_url
    assert _prepare(app, db) == 1 and _prepare(app, db) == 0
    ready = client.get(page_url).get_data(as_text=True)
    assert "Готово" in ready and 'http-equiv="refresh"' not in ready
    link = re.search(r'href="(/files/[^"]+/download)"', ready).group(1)
    prepared_rows = _rows(client.get(link).data)

    app.config["XLSX_BACKGROUND_ROWS"] = 10**9
    direct = client.get("/overdue.xlsx?status=not_started")
    assert direct.status_code == 200
    assert prepared_rows == _rows(direct.data) and len(prepared_rows) > 4
    asked_rows = db.exec(select(PreparedFile.rows_total)).one()
    assert asked_rows == len(prepared_rows) - 1  # the header
    audited = db.exec(select(AuditEvent).where(AuditEvent.action == "export.ask")).one()
    assert audited.actor_id == secretary.id and audited.after["arguments"]["filters"] == {"status": "not_started"}


def test_progress_is_written_while_the_rows_are_still_being_read(app, db, secretary, monkeypatch):
    """The count of rows written reaches the page during the build, from a connection of its own."""
    monkeypatch.setattr(prepared, "PROGRESS_EVERY", 2)
    with app.test_request_context():
        asked = prepared.ask(db, user=secretary, kind="overdue", rows=10, name="overdue", now=NOW,
                             arguments={"filters": {}, "as_of": None, "today": NOW.date().isoformat()})
        db.commit()
        seen = []
        records = iter([{"n": n} for n in range(5)])
        for _record in prepared._counted(records, asked.id, db):
            with Session(db.get_bind()) as other:  # what the page reads meanwhile
                seen.append(other.get(PreparedFile, asked.id).rows_done)
    assert seen == [0, 0, 2, 2, 4]


def test_only_the_person_who_asked_gets_the_file(app, db, secretary):
    app.config["XLSX_BACKGROUND_ROWS"] = 3
    page_url = signed_in(app, secretary).get("/overdue.xlsx").headers["Location"]
    _prepare(app, db)
    other = signed_in(app, make_user(db, "admin@example.kz", "admin"))
    assert other.get(page_url).status_code == 404
    assert other.get(page_url + "/download").status_code == 404
    assert app.test_client().get(page_url).status_code == 302  # signed out: the sign-in page


def test_a_person_who_lost_access_meanwhile_gets_no_file(app, db, secretary):
    app.config["XLSX_BACKGROUND_ROWS"] = 3
    client = signed_in(app, secretary)
    page_url = client.get("/overdue.xlsx").headers["Location"]
    for secretaryship in db.exec(select(Secretaryship).where(Secretaryship.user_id == secretary.id)):
        db.delete(secretaryship)
    db.commit()
    _prepare(app, db)
    page = client.get(page_url).get_data(as_text=True)
    assert "больше нет доступа" in page and "/download" not in page
    assert client.get(page_url + "/download").status_code == 404


def test_a_failed_build_is_said_and_the_clock_goes_on(app, db, secretary, monkeypatch):
    """A file whose build breaks is marked failed (the page says to ask again); the next file is still built."""
    app.config["XLSX_BACKGROUND_ROWS"] = 3
    client = signed_in(app, secretary)
    broken = client.get("/overdue.xlsx?status=not_started").headers["Location"]
    fine = client.get("/overdue.xlsx").headers["Location"]
    real = prepared.KINDS["overdue"]

    def breaks_once(session, user, arguments):
        if arguments["filters"].get("status"):
            raise RuntimeError("disk full")
        return real(session, user, arguments)
    monkeypatch.setitem(prepared.KINDS, "overdue", breaks_once)
    assert _prepare(app, db) == 2
    assert "Запросите его ещё раз" in client.get(broken).get_data(as_text=True)
    assert "Готово" in client.get(fine).get_data(as_text=True)


def test_a_file_left_running_by_a_stopped_clock_is_failed_and_files_go_after_a_day(app, db, secretary):
    with app.test_request_context():
        asked = prepared.ask(db, user=secretary, kind="overdue", rows=10, name="overdue", now=NOW,
                             arguments={"filters": {}, "as_of": None, "today": NOW.date().isoformat()})
        asked.status, asked.started_at = "running", NOW - timedelta(hours=1)
        db.commit()
        prepared.prepare_waiting(db, NOW)
    db.refresh(asked)
    assert (asked.status, asked.error) == ("failed", "interrupted")
    assert prepared.sweep(db, NOW + timedelta(hours=23)) == 0
    assert prepared.sweep(db, NOW + timedelta(hours=25)) == 1
    assert db.exec(select(PreparedFile)).first() is None


def test_the_command_builds_what_is_waiting_and_says_how_each_ended(app, db, secretary, runner):
    app.config["XLSX_BACKGROUND_ROWS"] = 3
    signed_in(app, secretary).get("/overdue.xlsx")
    result = runner.invoke(args=["exports", "prepare"])
    rows = db.exec(select(PreparedFile.rows_done)).one()
    assert result.exit_code == 0 and rows > 3
    assert f"overdue.xlsx: ready, {rows} rows" in result.output and "Prepared 1 file(s)." in result.output
    assert "No export was waiting." in runner.invoke(args=["exports", "prepare"]).output


def test_a_waiting_file_says_so_when_no_clock_runs(app, db, secretary):
    """Queued while the clock is silent: the page says that nothing will happen until it runs, and what to do."""
    from tracker.notify.scheduler import record_beat
    from tracker.timeutil import now_utc

    app.config["XLSX_BACKGROUND_ROWS"] = 3
    client = signed_in(app, secretary)
    page_url = client.get("/overdue.xlsx").headers["Location"]
    assert "Планировщик сейчас не работает" in client.get(page_url).get_data(as_text=True)
    record_beat(db, now_utc())
    assert "Планировщик сейчас не работает" not in client.get(page_url).get_data(as_text=True)
