"""A commission's meeting through its pages: planned with its agenda, a decision recorded on the page and shown on
the measure's pages, the agenda and the protocol as Word documents, the invitations with a calendar file."""

import email
import io
import re

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from icalendar import Calendar
from sqlmodel import select

from tracker.models import DeadlineChange, Meeting, OutboxMessage
from tracker.notify import outbox

from .conftest import NOW, csrf_token, make_user, signed_in


def _plan(client) -> str:
    token = csrf_token(client, "/commissions/rtk")
    response = client.post("/commissions/rtk/meetings", data={
        "csrf_token": token, "number": "12", "held_on": "2026-12-15", "starts_at": "11:30",
        "place": "Астана, Дом министерств", "link": ""})
    assert response.status_code == 302 and response.location.startswith("/meetings/")
    return response.location


def test_a_meeting_planned_decided_and_documented_from_its_pages(app, db, world):
    """The commission's secretary plans meeting № 12; the page lists the drafted agenda; a deadline decision on
    МТСЗН's overdue reports moves the checkpoint and the measure's and checkpoint's pages cite «Протокол РТК № 12
    от 15.12.2026, п. N»; the agenda and the protocol download as A4 landscape documents with repeated headers."""
    secretary = make_user(db, "rtk@example.kz", "secretary", commissions=["rtk"])
    client = signed_in(app, secretary)
    commission_page = client.get("/commissions/rtk").get_data(as_text=True)
    assert "Запланировать заседание" in commission_page and "Тестовая дорожная карта" in commission_page
    url = _plan(client)
    page = client.get(url).get_data(as_text=True)
    assert "О просроченных отчётах: МТСЗН" in page and "Заседание № 12: 15.12.2026, 11:30" in page
    meeting = db.exec(select(Meeting)).one()
    item_id = int(re.search(r'id="item-(\d+)"[^>]*>\s*<strong>О просроченных отчётах: МТСЗН', page).group(1))
    prefix = f"item{item_id}"
    checkpoint = re.search(rf'<select[^>]*name="{prefix}-checkpoint_id".*?<option value="(\d+)">', page, re.S).group(1)
    response = client.post(f"{url}/agenda/{item_id}/decision", data={
        "csrf_token": csrf_token(client, url), f"{prefix}-kind": "deadline",
        f"{prefix}-text": "Перенести срок представления справки", f"{prefix}-checkpoint_id": checkpoint,
        f"{prefix}-due_on": "2027-03-31"})
    assert response.status_code == 302
    change = db.exec(select(DeadlineChange)).one()
    position = int(re.search(rf'id="item-{item_id}" value="(\d+)"', page).group(1))
    source = f"Протокол РТК № 12 от 15.12.2026, п. {position}"
    assert change.source == source and str(change.new_due_on) == "2027-03-31"
    shown = client.get(url).get_data(as_text=True)
    assert "Перенести срок представления справки" in shown and "Срок перенесён на 31.03.2027" in shown
    checkpoint_page = client.get(f"/checkpoints/{checkpoint}").get_data(as_text=True)
    assert source in checkpoint_page and "Решения комиссии" in checkpoint_page
    obligation_key = re.search(r'href="/obligations/([^"]+)">[^<]*</a>', checkpoint_page).group(1)
    assert source in client.get(f"/obligations/{obligation_key}").get_data(as_text=True)

    for name in ("agenda", "protocol"):
        document = Document(io.BytesIO(client.get(f"{url}/{name}.docx").data))
        section = document.sections[0]
        assert section.orientation == WD_ORIENT.LANDSCAPE and round(section.page_width.cm, 1) == 29.7
        [grid] = document.tables
        assert grid.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert "PAGE" in section.footer._element.xml
    protocol = Document(io.BytesIO(client.get(f"{url}/protocol.docx").data)).tables[0]
    decided = next(row for row in protocol.rows if row.cells[0].text == str(position))
    assert decided.cells[2].text == "Перенести срок представления справки"
    assert decided.cells[3].text == "Срок перенесён на 31.03.2027"
    db.refresh(meeting)
    assert meeting.status == "held"


def test_the_invitations_carry_the_agenda_and_a_calendar_event(app, db, world):
    """Sending the agenda queues one email per member (the parties' people and the secretaries, not an outsider);
    each carries an .ics with the meeting at 11:30 Astana time; a stale agenda change is refused with a message."""
    secretary = make_user(db, "rtk@example.kz", "secretary", commissions=["rtk"])
    ministry = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    unions = make_user(db, "unions@example.kz", "focal_point", orgs=["ФПРК"])  # a member of the group РОП
    outsider = make_user(db, "region@example.kz", "focal_point", orgs=["АКИМАТ-АБАЙ"])
    client = signed_in(app, secretary)
    url = _plan(client)
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(f"{url}/invite", data={"csrf_token": csrf_token(client, url), "version": version})
    assert response.status_code == 302
    recipients = {row.to_email for row in db.exec(select(OutboxMessage).where(OutboxMessage.kind == "meeting"))}
    assert {secretary.email, ministry.email, unions.email} <= recipients and outsider.email not in recipients
    row = db.exec(select(OutboxMessage).where(OutboxMessage.to_email == ministry.email)).one()
    message = email.message_from_bytes(outbox.to_email_message(row, NOW, app.config).as_bytes())
    [attached] = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(attached.get_payload(decode=True)).walk("VEVENT")
    assert event["DTSTART"].dt.isoformat() == "2026-12-15T11:30:00+05:00"
    assert "О просроченных отчётах: МТСЗН" in str(event["DESCRIPTION"]) and "Дом министерств" in str(event["LOCATION"])
    assert "Повестка" in row.body_text and "О просроченных отчётах" in row.body_text
    item_id = re.search(r'id="item-(\d+)"', page).group(1)
    token = csrf_token(client, url)
    moved = client.post(f"{url}/agenda/{item_id}/down", data={"csrf_token": token, "version": version})
    assert moved.status_code == 302
    stale = client.post(f"{url}/agenda/{item_id}/up", data={"csrf_token": token, "version": version},
                        follow_redirects=True).get_data(as_text=True)
    assert "Повестку только что изменили" in stale
