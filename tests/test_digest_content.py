"""The secretary's digest as mail clients show it: headings as elements, every organization with overdue reports
listed with its most overdue items and their days (or counted and linked), a text part that reads as text, and
"changes since" counted from the first digest on."""

import re
from html.parser import HTMLParser

from sqlmodel import Session, select

from bench import scale
from tracker.as_of import Moment
from tracker.insight.overdue import Filters, overdue_totals
from tracker.models import OutboxMessage, User
from tracker.notify.digests import OVERDUE_ORGANIZATIONS, render_digest, send_digests
from tracker.periods import Period

from .conftest import NOW, make_user
from .reporting_helpers import post, report_of

INSTRUMENTS = ["world"]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.found = [], []

    def handle_starttag(self, tag, attrs):
        self.stack.append([tag, ""])

    def handle_endtag(self, tag):
        while self.stack:
            element = self.stack.pop()
            if self.stack:
                self.stack[-1][1] += element[1]
            self.found.append(tuple(element))
            if element[0] == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][1] += data


def test_the_digest_lists_every_overdue_organization_with_items_and_reads_as_text(app, db, world):
    secretary = make_user(db, "sec@example.kz", "secretary", instruments=INSTRUMENTS)
    focal = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    post(app, db, report.id, focal, "submitted", note="Сделано", no_evidence_reason="ДСП")
    today = NOW.date()
    with app.test_request_context():
        subject, text, html = render_digest(db, secretary, Period.containing(today, "quarterly"), today, app=app)
    parser = _Elements()
    parser.feed(html)
    headings = [content.strip() for tag, content in parser.found if tag in ("h2", "h3")]
    assert sum(h == "Просрочено по организациям" for h in headings) == len(INSTRUMENTS)
    items = [content for tag, content in parser.found if tag == "li"]
    for key in INSTRUMENTS:
        totals = overdue_totals(db, Filters(instrument=key), Moment.today(today))
        listed = {code for code, _n in totals if any(item.startswith(f"{code}: {_n} —") for item in items)}
        assert len(listed) == min(len(totals), OVERDUE_ORGANIZATIONS), key
    assert any(re.search(r"мера \S+ · \S+ \(\d+ дн\.\)", item) for item in items)
    assert "Изменения с 01.07.2026: на проверке 1" in text  # the first digest counts from the quarter it reviews
    assert "##" not in text and "**" not in text and re.search(r"\n=+\n", text) and "• " in text


def test_a_whole_run_sends_each_person_the_digest_they_would_get_alone(app):
    """A run reads every organization's reports in one pass and shares parts between people: each email it queues
    is word for word the digest that person's preview renders alone (generated data: 24 organizations, 40 people,
    the 24 with something to say)."""
    with Session(app.extensions["engine"], expire_on_commit=False) as session:
        scale.seed(session, scale.Scale(instruments=3, obligations_per_instrument=8, organizations=24, users=40),
                   today=NOW.date(), seed_value=7)
        session.commit()
        today, period = NOW.date(), Period.containing(NOW.date(), "quarterly")
        with app.test_request_context():
            counts = send_digests(session, period, NOW, today, app=app)
            queued = {m.recipient_id: m for m in
                      session.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest"))}
            assert counts["queued"] == len(queued) >= 20
            for user in session.exec(select(User).where(User.id.in_(queued))):
                subject, text, html = render_digest(session, user, period, today, app=app)
                message = queued[user.id]
                assert (message.subject, message.body_text, message.body_html) == (subject, text, html), user.email
