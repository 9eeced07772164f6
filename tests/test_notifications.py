"""Reminders, escalations and digests over time (time-machine), claims that never send twice, the clock lock."""

import threading
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from sqlmodel import select

from tracker.catalog.loader import load_catalog
from tracker.catalog.sync import sync_catalog
from tracker.models import Membership, Notification, Organization, OutboxMessage, User
from tracker.notify.reminders import reminder_stage, run_reminders
from tracker.notify.scheduler import acquire_leadership, tick
from tracker.periods import Period
from tracker.timeutil import ALMATY

from .conftest import NOW, make_user, write_instrument
from .reporting_helpers import post, report_of


@pytest.mark.parametrize("days,stage", [
    (45, None), (31, None), (30, "before-30"), (20, "before-30"), (7, "before-7"), (2, "before-7"), (1, "before-1"),
    (0, "due"), (-6, "due"), (-7, "overdue-1"), (-13, "overdue-1"), (-14, "overdue-2"), (-70, "overdue-10"),
])
def test_reminder_stage(days, stage):
    """The latest stage reached: a missed earlier one is folded into the current one."""
    today = date(2025, 6, 1)
    assert reminder_stage(today + timedelta(days=days), today, (30, 7, 1), 7) == stage


#: the first working day of each quarter in Kazakhstan's official calendar, 2025–2027: when each digest goes out
FIRST_WORKING_DAYS = {
    "2025-Q1": date(2025, 1, 5),  # 3 January was given off for Sunday 5 January, which became a working day
    "2025-Q2": date(2025, 4, 1), "2025-Q3": date(2025, 7, 1), "2025-Q4": date(2025, 10, 1),
    "2026-Q1": date(2026, 1, 5), "2026-Q2": date(2026, 4, 1), "2026-Q3": date(2026, 7, 1), "2026-Q4": date(2026, 10, 1),
    "2027-Q1": date(2027, 1, 5), "2027-Q2": date(2027, 4, 1), "2027-Q3": date(2027, 7, 1), "2027-Q4": date(2027, 10, 1),
}
#: days off that are not weekends: the clock sends no reminder and no digest on them
SILENT_DAYS = [date(2025, 1, 2), date(2026, 1, 2), date(2025, 3, 10), date(2026, 3, 9), date(2025, 9, 1),
               date(2025, 7, 7), date(2025, 6, 6), date(2026, 5, 27), date(2026, 5, 11), date(2025, 10, 27)]


def test_first_working_day_of_each_quarter_follows_the_official_calendar():
    """Weekends, public holidays, observed and transferred days off, working Sundays after a transfer."""
    assert {label: Period.parse(label).send_on() for label in FIRST_WORKING_DAYS} == FIRST_WORKING_DAYS


def test_the_clock_stays_silent_on_days_off(app, db, small):
    """2 January, the observed days of 8 March, Constitution Day, Capital Day, Republic Day and Victory Day,
    Kurban Ait: a tick at 10:00 queues no reminder and no digest (measure 2 is quarterly, so there is always
    something to remind of); TRACKER_HOLIDAYS adds days off to the calendar."""
    from tracker.periods import is_working_day

    for day in SILENT_DAYS:
        assert not is_working_day(day), day
        with time_machine.travel(_at(day), tick=False), app.app_context():
            done = tick(app)
        assert "reminders" not in done and not [k for k in done if k.startswith("digest")], day
    assert db.exec(select(Notification)).all() == []
    assert not is_working_day(date(2026, 6, 2), ["2026-06-02"]) and is_working_day(date(2026, 6, 2))


def test_first_working_day_skips_weekends_and_holidays():
    """2026-Q1 starts on a holiday (1–2 January) before a weekend: its digest goes out on Monday 5 January."""
    holidays = ["01-01", "01-02", "01-07", "03-08"]
    assert Period.parse("2026-Q1").send_on(holidays) == date(2026, 1, 5)
    assert Period.parse("2025-Q3").send_on(holidays) == date(2025, 7, 1)
    assert Period.parse("2026-Q4").send_on(holidays + ["2026-10-01"]) == date(2026, 10, 2)
    assert Period.parse("2026-Q1").previous().label == "2025-Q4"
    with pytest.raises(ValueError, match="2026-Q1"):
        Period.parse("2026-Q5")


@pytest.fixture
def small(app, db, roadmaps_dir):
    """One test roadmap (measure 1 due 30.06.2025: МТСЗН lead, РОР; measure 2 quarterly for МИО) and its people."""
    write_instrument(roadmaps_dir)
    sync_catalog(session=db, catalog=load_catalog(roadmaps_dir), now=NOW)
    db.commit()
    app.config.update(MAIL_BACKEND="memory", BASE_URL="https://mindet.example.kz")
    return dict(
        fp=make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"]),
        alt=make_user(db, "alt@example.kz", "alternate", orgs=["МТСЗН"]),
        head=make_user(db, "head@example.kz", "head", orgs=["МТСЗН"]),
        sec=make_user(db, "sec@example.kz", "secretary", instruments=["test-roadmap"]),
        observer=make_user(db, "obs@example.kz", "observer"),
    )


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), ALMATY)


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _run_clock_daily(app, start: date, end: date, hour: int = 10, before_each=None) -> None:
    """Travel to each day at `hour` Almaty time and let the clock tick once."""
    for day in _days(start, end):
        if before_each:
            before_each(day)
        with time_machine.travel(_at(day, hour), tick=False), app.app_context():
            tick(app)


def _claims(db, user) -> dict[date, list[tuple[str, str]]]:
    result = defaultdict(list)
    for n in db.exec(select(Notification).where(Notification.recipient_id == user.id).order_by(Notification.id)):
        result[n.claimed_at.astimezone(ALMATY).date()].append((n.kind, n.period))
    return result


def test_a_quarter_of_reminders_escalations_and_digests(app, db, small):
    """1 May – 15 August 2025, one tick a day: measure 1 (due 30.06) reminds its focal point at 30, 7, 1 days,
    on the day, then weekly — on working days only (31 May is a Saturday: Monday 2 June; 29 June a Sunday: folded
    into "due"; 7 July is Capital Day's day off: the 8th); the alternate and head hear at 14 days, the secretary at
    30; one email per person per day; the Q3 digest on 1 July; the observer gets nothing."""
    _run_clock_daily(app, date(2025, 5, 1), date(2025, 8, 15))
    fp_report = report_of(db, "test-roadmap/1", "2025-H1", "МТСЗН")
    stages = {day: period for day, items in _claims(db, small["fp"]).items()
              for kind, period in items if kind == "reminder"}
    assert stages == {date(2025, 6, 2): "before-30", date(2025, 6, 23): "before-7",
                      date(2025, 6, 30): "due", date(2025, 7, 8): "overdue-1", date(2025, 7, 14): "overdue-2",
                      date(2025, 7, 21): "overdue-3", date(2025, 7, 28): "overdue-4", date(2025, 8, 4): "overdue-5",
                      date(2025, 8, 11): "overdue-6"}
    assert db.exec(select(Notification).where(Notification.report_id == fp_report.id,
                                              Notification.kind == "reminder")).all()
    for person in ("alt", "head"):
        assert {d: k for d, items in _claims(db, small[person]).items() for k, _ in items if k != "digest"} == {
            date(2025, 7, 14): "escalation_head"}
    escalated = db.exec(select(Notification).where(Notification.recipient_id == small["sec"].id,
                                                   Notification.kind == "escalation_secretary",
                                                   Notification.report_id == fp_report.id)).all()
    assert [n.claimed_at.astimezone(ALMATY).date() for n in escalated] == [date(2025, 7, 30)]
    digests = {n.period: n.claimed_at.astimezone(ALMATY).date() for n in db.exec(
        select(Notification).where(Notification.kind == "digest", Notification.recipient_id == small["fp"].id))}
    # Q2 late, once (catch-up), on the first working day of the run: 1 May is a public holiday
    assert digests == {"2025-Q2": date(2025, 5, 2), "2025-Q3": date(2025, 7, 1)}
    assert _claims(db, small["observer"]) == {}
    per_day = defaultdict(int)
    for message in db.exec(select(OutboxMessage).where(OutboxMessage.kind == "reminders")):
        per_day[(message.recipient_id, message.created_at.date())] += 1
    assert set(per_day.values()) == {1}
    outbox = app.config["MAIL_MEMORY"]
    assert all(m["To"] for m in outbox) and len(outbox) == len(db.exec(select(OutboxMessage)).all())


def test_reminders_stop_when_submitted(app, db, small):
    """Submitted on 2 July: no weekly overdue reminders after, and no escalation (before-1 fell on Sunday 29 June,
    a day the clock stays silent, and is folded into "due")."""
    report = report_of(db, "test-roadmap/1", "2025-H1", "МТСЗН")

    def submit_on_2_july(day):
        if day == date(2025, 7, 2):
            post(app, db, report.id, small["fp"], "submitted", note="Готово", no_evidence_reason="ДСП",
                 now=_at(day, 9))

    _run_clock_daily(app, date(2025, 6, 25), date(2025, 8, 5), before_each=submit_on_2_july)
    stages = [p for items in _claims(db, small["fp"]).values() for k, p in items if k == "reminder"]
    assert stages == ["before-7", "due"]
    assert not [k for items in _claims(db, small["alt"]).values() for k, _ in items if k.startswith("escalation")]


def test_digest_waits_for_the_first_working_day_and_sends_nothing_on_weekends(app, db, small):
    """30 Dec 2025 – 6 Jan 2026: the 2026-Q1 digest goes out on Monday 5 January at 09:00, not on the
    holidays of 1–2 January nor the weekend; before 09:00 nothing goes."""
    _run_clock_daily(app, date(2025, 12, 30), date(2026, 1, 4))
    with time_machine.travel(_at(date(2026, 1, 5), 8), tick=False), app.app_context():
        tick(app)
    q1 = select(Notification).where(Notification.kind == "digest", Notification.period == "2026-Q1")
    assert db.exec(q1).all() == []
    _run_clock_daily(app, date(2026, 1, 5), date(2026, 1, 6))
    days = {n.claimed_at.astimezone(ALMATY).date() for n in db.exec(q1)}
    assert days == {date(2026, 1, 5)}


def test_clock_restarted_after_a_missed_quarter_start(app, db, small):
    """Down from 25 June to 18 July 2025, restarted on Saturday 19 July: silent over the weekend; on Monday 21 July
    the Q3 digest goes out once, and the missed before-1, due, overdue-1 and overdue-2 reminders are folded into
    one (overdue-3)."""
    _run_clock_daily(app, date(2025, 6, 20), date(2025, 6, 24))
    _run_clock_daily(app, date(2025, 7, 19), date(2025, 7, 21))
    _run_clock_daily(app, date(2025, 7, 21), date(2025, 7, 21), hour=15)  # a second tick that day adds nothing
    fp = _claims(db, small["fp"])
    assert date(2025, 7, 19) not in fp and date(2025, 7, 20) not in fp
    assert [p for k, p in fp[date(2025, 7, 21)] if k == "reminder"] == ["overdue-3"]
    assert [p for k, p in fp[date(2025, 7, 21)] if k == "digest"] == ["2025-Q3"]
    on_restart = [m.kind for m in db.exec(select(OutboxMessage).where(OutboxMessage.recipient_id == small["fp"].id))
                  if m.created_at.astimezone(ALMATY).date() == date(2025, 7, 21)]
    assert sorted(on_restart) == ["digest", "reminders"]


def test_secretaries_hear_of_submissions_but_not_of_their_own(app, db, small):
    """A secretary who is also МТСЗН's alternate submits: the other secretary is told, they are not."""
    other = make_user(db, "sec2@example.kz", "secretary", instruments=["test-roadmap"])
    both = small["sec"]
    mtszn = db.exec(select(Organization).where(Organization.code == "МТСЗН")).one()
    db.add(Membership(user_id=both.id, organization_id=mtszn.id, role="alternate"))
    db.commit()
    report = report_of(db, "test-roadmap/1", "2025-H1", "МТСЗН")
    post(app, db, report.id, both, "submitted", note="x", no_evidence_reason="ДСП", now=_at(date(2025, 6, 1), 9))
    with app.test_request_context():
        run_reminders(db, _at(date(2025, 6, 1)), date(2025, 6, 1), app=app)
    kinds = lambda user: {k for items in _claims(db, user).values() for k, _ in items}  # noqa: E731
    assert "submitted" in kinds(other) and "submitted" not in kinds(both)


def test_killed_between_claim_and_send_sends_once_on_restart(app, db, small):
    """Claims and the outbox row are committed, then the clock dies; the next tick delivers it exactly once."""
    with app.test_request_context():
        summary = run_reminders(db, _at(date(2025, 6, 29)), date(2025, 6, 29), app=app)
    assert summary.emails >= 1 and app.config["MAIL_MEMORY"] == []
    with time_machine.travel(_at(date(2025, 6, 29), 11), tick=False), app.app_context():
        tick(app)
        tick(app)
    sent = app.config["MAIL_MEMORY"]
    message_ids = [m["Message-ID"] for m in sent]
    assert len(message_ids) == len(set(message_ids)) == len(db.exec(select(OutboxMessage)).all())
    assert "fp@example.kz" in [m["To"] for m in sent]
    assert db.exec(select(OutboxMessage).where(OutboxMessage.status != "sent")).all() == []


def test_two_deliveries_of_one_message_send_it_once(app, db, small):
    """Two clocks leasing the same message: the conditional UPDATE lets one through."""
    from sqlmodel import Session

    from tracker.notify import outbox

    with app.test_request_context():
        run_reminders(db, _at(date(2025, 6, 29)), date(2025, 6, 29), app=app)
        engine = app.extensions["engine"]
        with Session(engine) as first, Session(engine) as second:
            a = outbox.deliver(first, _at(date(2025, 6, 29), 11), app.config)
            b = outbox.deliver(second, _at(date(2025, 6, 29), 11), app.config)
    assert a.sent >= 1 and b.sent == 0
    assert len(app.config["MAIL_MEMORY"]) == a.sent


def test_a_second_clock_stays_idle_while_the_first_holds_the_lock(app):
    """PostgreSQL advisory lock (or a file lock with SQLite): the second clock gets no leadership until the
    first releases it."""
    from tracker.db import make_engine

    url = app.config["DATABASE_URL"]
    first_engine, second_engine = make_engine(url), make_engine(url)
    try:
        first = acquire_leadership(first_engine)
        assert first is not None
        assert acquire_leadership(second_engine) is None
        first.release()
        second = acquire_leadership(second_engine)
        assert second is not None
        second.release()
    finally:
        first_engine.dispose(), second_engine.dispose()


def test_digest_preference_none_means_no_digest(app, db, small):
    """A person who chose "none" gets no digest; one who chose monthly gets the month's."""
    fp = db.get(User, small["fp"].id)
    fp.digest_frequency = "none"
    alt = db.get(User, small["alt"].id)
    alt.digest_frequency = "monthly"
    db.commit()
    _run_clock_daily(app, date(2025, 7, 1), date(2025, 7, 1))
    digests = {(n.recipient_id, n.period) for n in db.exec(select(Notification).where(Notification.kind == "digest"))}
    assert (fp.id, "2025-Q3") not in digests and (alt.id, "2025-07") in digests
    assert (small["head"].id, "2025-Q3") in digests


def test_digest_commands_preview_and_send_once(app, runner, db, small):
    """`digest preview` prints without claiming; `digest send --dry-run` claims nothing; `digest send` queues
    once, and again says "already sent"."""
    preview = runner.invoke(args=["digest", "preview", "--user", "fp@example.kz", "--quarter", "2025-Q3"])
    assert preview.exit_code == 0 and "Subject: Mindet" in preview.output and "2025-Q2" in preview.output
    assert runner.invoke(args=["digest", "preview", "--user", "nobody@example.kz"]).exit_code == 1
    dry = runner.invoke(args=["digest", "send", "--quarter", "2025-Q3", "--dry-run"])
    assert "dry run" in dry.output and db.exec(select(Notification)).first() is None
    sent = runner.invoke(args=["digest", "send", "--quarter", "2025-Q3"])
    assert sent.exit_code == 0 and "queued" in sent.output, sent.output
    again = runner.invoke(args=["digest", "send", "--quarter", "2025-Q3"])
    assert "already sent" in again.output and "queued" not in again.output
    assert runner.invoke(args=["digest", "send", "--quarter", "2025-Q5"]).exit_code == 1


def test_a_clock_that_loses_its_lock_stops_before_its_next_job(app):
    """The lock's connection is cut (on PostgreSQL: the server ends it, as a restart does): the leader sees it has
    lost the lock, its next job does not run, and a standby can take over; with SQLite the file lock alike."""
    from sqlalchemy import text

    from tracker.db import make_engine
    from tracker.notify.scheduler import _guarded

    url = app.config["DATABASE_URL"]
    first_engine, second_engine = make_engine(url), make_engine(url)
    try:
        first = acquire_leadership(first_engine)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as jobs:  # the scheduler checks from its worker thread
            assert jobs.submit(first.still_held).result()
        if url.startswith("postgresql"):
            with second_engine.connect() as admin:
                admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                                   "AND pid <> pg_backend_pid() AND database = "
                                   "(SELECT oid FROM pg_database WHERE datname = current_database())"))
                admin.commit()
        else:
            first.release()
        assert not first.still_held()
        ran, stopped = [], []

        class Scheduler:
            def shutdown(self, wait):
                stopped.append(wait)

        _guarded(lambda _app, _stop: ran.append(True), first, Scheduler())(app, threading.Event())
        assert ran == [] and stopped == [False]
        second = acquire_leadership(second_engine)
        assert second is not None and second.still_held()
        second.release()
    finally:
        first_engine.dispose(), second_engine.dispose()


def test_health_says_whether_a_clock_is_running(app, client, db):
    """/health: "silent" before any clock ran, "running" with its holder right after a guarded job, "silent"
    again when its last beat is older than three minutes."""
    from datetime import timedelta

    from tracker.db import make_engine
    from tracker.notify.scheduler import _guarded

    assert client.get("/health").get_json()["clock"]["status"] == "silent"
    engine = make_engine(app.config["DATABASE_URL"])
    try:
        leadership = acquire_leadership(engine)
        _guarded(lambda _app, _stop: None, leadership, scheduler=None)(app, threading.Event())
        leadership.release()
    finally:
        engine.dispose()
    clock = client.get("/health").get_json()["clock"]
    assert clock["status"] == "running" and ":" in clock["holder"]
    with time_machine.travel(NOW + timedelta(minutes=10)):
        assert client.get("/health").get_json()["clock"]["status"] == "silent"


def test_the_secretarys_email_about_a_submission_says_what_it_is(app, db, world):
    """The «awaiting your verdict» email was titled «напоминание о сроке» and ended «reminders stop once the report
    is submitted», which is wrong for it: it names the decision waiting, and says when it stops coming."""
    from .reporting_helpers import post, report_of

    focal = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    secretary = make_user(db, "sec@example.kz", "secretary", instruments=["world"])
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    early = _at(date(2025, 2, 10))  # nothing is due or overdue yet: the submission is the only thing to tell
    post(app, db, report.id, focal, "submitted", note="Готово", no_evidence_reason="ДСП", now=early)
    with app.app_context():
        run_reminders(db, early, early.date(), app=app)
    message = db.exec(select(OutboxMessage).where(OutboxMessage.recipient_id == secretary.id)).one()
    assert message.subject.startswith("Mindet: отчёт ждёт вашего решения")
    assert "примете или вернёте" in message.body_text and "отправлен на проверку" not in message.body_text


def test_a_long_list_of_items_is_cut_and_linked_but_every_item_is_claimed(app, db, small, monkeypatch):
    """The secretary's escalations on 15 August 2025 (measure 1's two reports, measure 2's МИО akimats): the
    email lists the first MAX_ITEMS_PER_EMAIL (made 3 here), says how many more, links the overdue view, and
    claims them all, so that none comes back in the next email."""
    from tracker.notify import reminders

    monkeypatch.setattr(reminders, "MAX_ITEMS_PER_EMAIL", 3)
    day = date(2025, 8, 15)
    with app.test_request_context():
        run_reminders(db, _at(day), day, app=app)
    escalations = [kind for kind, _stage in _claims(db, small["sec"])[day]]
    assert len(escalations) > 3 and set(escalations) == {"escalation_secretary"}
    [email] = [m for m in db.exec(select(OutboxMessage)) if m.to_email == "sec@example.kz"]
    assert email.body_text.count("Открыть отчёт") == 3
    assert f"и ещё {len(escalations) - 3}" in email.body_text
    assert "https://mindet.example.kz/overdue" in email.body_html
    assert f"({len(escalations)})" in email.subject  # the subject counts them all
    with app.test_request_context():
        again = run_reminders(db, _at(day), day, app=app)
    assert "sec@example.kz" not in [m.to_email for m in db.exec(select(OutboxMessage)) if m.id != email.id]
    assert again.already_sent >= len(escalations)


def test_a_long_run_has_the_outbox_measured_anew_and_a_dry_run_still_keeps_nothing(app, db, small, monkeypatch):
    """A national quarter end queues 2,000 emails into an outbox that was empty when PostgreSQL planned the check of
    each claim against its email: every LOOKED_UP_TOGETHER people the run has the outbox measured again (made 1
    here), committing nothing a dry run computed."""
    from sqlalchemy import text

    from tracker.notify import reminders

    monkeypatch.setattr(reminders, "LOOKED_UP_TOGETHER", 1)
    day = date(2025, 8, 15)
    with app.test_request_context():
        dry = run_reminders(db, _at(day), day, app=app, dry_run=True)
        assert dry.emails >= 2
        assert not db.exec(select(OutboxMessage)).all() and not db.exec(select(Notification)).all()
        done = run_reminders(db, _at(day), day, app=app)
    assert done.emails == dry.emails == len(db.exec(select(OutboxMessage)).all())
    if db.get_bind().dialect.name == "postgresql":  # measured after the first person's email at least
        measured = db.exec(text("SELECT reltuples FROM pg_class WHERE relname = 'outbox_message'")).scalar_one()
        assert measured >= 1


def test_items_claimed_by_another_run_meanwhile_are_not_told_twice(app, db, small, monkeypatch, caplog):
    """Two runs on the same day (the clock and `mindet reminders run`): the second looked before the first
    committed its claims, so it believes them unclaimed. Its insert finds them taken: it queues no email for that
    person and says so; nothing is told twice."""
    from tracker.notify import reminders

    day = date(2025, 6, 29)
    with app.test_request_context():
        first = run_reminders(db, _at(day), day, app=app)
        monkeypatch.setattr(reminders, "already_claimed", lambda session, keys: set())  # it looked too early
        second = run_reminders(db, _at(day), day, app=app)
    assert first.emails >= 1 and second.emails == 0
    assert len(db.exec(select(OutboxMessage)).all()) == first.emails
    assert "claimed meanwhile by another run" in caplog.text


def test_a_digest_claimed_by_another_run_meanwhile_is_not_queued_and_the_rest_are(app, db, small, monkeypatch):
    """Digests are written fifty people to a transaction: a person whose digest another run claimed after this run
    looked gets no second email, and the people around them in the same transaction still get theirs, once."""
    from tracker.notify import digests

    monkeypatch.setattr(digests, "COMMIT_EVERY", 2)
    period, day = Period.parse("2025-Q3"), date(2025, 7, 1)
    # the second person of the first transaction: the first one's digest is already written in it
    fp = db.exec(select(User).where(User.active, User.digest_frequency == "quarterly").order_by(User.id)).all()[1]
    # the other run's claim: the same key, written after this run read who already has the period's digest
    db.add(Notification(kind="digest", dedupe_key=f"digest:{period.label}:user-{fp.id}", recipient_id=fp.id,
                        claimed_at=_at(day)))
    db.commit()
    with app.test_request_context():
        counts = digests.send_digests(db, period, _at(day), day, app=app)
    queued = db.exec(select(OutboxMessage.recipient_id).where(OutboxMessage.kind == "digest")).all()
    claimed = db.exec(select(Notification.recipient_id).where(Notification.period == period.label)).all()
    assert counts["already sent"] == 1 and counts["queued"] == len(queued) >= 2
    assert fp.id not in queued and sorted(queued) == sorted(claimed) and len(set(queued)) == len(queued)
